/**
 * Every configuration key of TerraHub, in one table: its type, default, environment variable and meaning.
 * docs/configuration.md is generated from this table (`npm run docs:config`) and a test fails when it is stale.
 *
 * Keys are dotted (`s3.port`); the environment variable is `TERRAHUB_` + the key in upper snake case
 * (`TERRAHUB_S3_PORT`); in a YAML/TOML file the dots are nesting (`s3: { port: 9000 }`).
 * Each area owns one section below: add keys to your own section only.
 */
import { bool, bytes, duration, enumOf, int, json, port, str, type KeyDef } from './types.ts';
import { DEFAULT_PROFILES, parseProfiles } from '../../hub/profiles.ts';
import { parseNameList } from '../../hub/auth/oidc.keys.ts';

export const CONFIG_KEYS = {
  // --- server -------------------------------------------------------------------------------------
  host: str('127.0.0.1', 'Address the main HTTP origin (hub, STAC, data API) listens on.', {
    flag: '--host',
  }),
  port: port(8000, 'Port of the main HTTP origin.', { flag: '--port' }),
  publicUrl: str(
    '',
    'URL users reach the origin at (for links, when behind a reverse proxy). Empty: http://host:port.',
    { flag: '--public-url' },
  ),
  dataDir: str('./terrahub-data', 'Directory for the database, objects, homes and environments.', {
    flag: '--data-dir',
  }),
  logLevel: enumOf(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
    'info',
    'Log level of the structured (JSON) log on stdout.',
    { flag: '--log-level' },
  ),
  bodyLimit: bytes('10MB', 'Largest JSON/form request body accepted by the HTTP APIs (413 above).'),
  minFreeDisk: bytes('64MB', 'Free space the data directory needs at start-up; less is refused.'),

  // --- identity -----------------------------------------------------------------------------------
  'admin.token': str('', 'API token the `admin` user gets at first start (seeded once).', {
    secret: true,
  }),
  'admin.password': str('', 'Password the `admin` user gets at first start (seeded once).', {
    secret: true,
  }),
  'auth.tokenMaxAge': duration('0', 'Longest lifetime a new API token may have; 0 means no limit.'),
  'auth.signup': bool(false, 'Allow first-use sign-up: anyone may create a local account at the login page.'),

  // --- storage ------------------------------------------------------------------------------------
  's3.host': str('127.0.0.1', 'Address the S3-compatible endpoint listens on.', { flag: '--s3-host' }),
  's3.port': port(9000, 'Port of the S3-compatible endpoint.', { flag: '--s3-port' }),
  's3.publicUrl': str('', 'URL clients reach the S3 endpoint at. Empty: http://s3.host:s3.port.'),
  's3.sendfile': enumOf(
    ['native', 'js'] as const,
    'native',
    "How GET answers send object bytes of the `fs` driver: native (TerraHub's built-in addon sends them from the page cache to the socket with sendfile(2), as nginx does; used when `npm install` could build it, and only on plain HTTP listeners) or js (read into memory, then written).",
  ),
  's3.sendfileMinBytes': bytes(
    '4KiB',
    'Smallest GET body sent with s3.sendfile native; smaller bodies are read and written from JavaScript (measured: native cost less CPU down to 4 KiB, docs/benchmarks.md).',
  ),
  'storage.driver': enumOf(
    ['fs', 's3', 'azure'] as const,
    'fs',
    'ObjectStore driver holding object bytes: `fs` keeps them under <dataDir>/objects (crash-safe writes); `s3` in one bucket of any S3 service (storage.s3.*); `azure` in one Azure Blob Storage container (storage.azure.*).',
  ),
  'storage.s3.endpoint': str('', 'With storage.driver s3: the backend S3 endpoint URL (empty: AWS itself).'),
  'storage.s3.bucket': str(
    '',
    "With storage.driver s3: the backend bucket that holds all of TerraHub's buckets as prefixes.",
  ),
  'storage.s3.region': str('us-east-1', 'With storage.driver s3: the backend region.'),
  'storage.s3.accessKeyId': str('', 'With storage.driver s3: the backend access key id.', { secret: true }),
  'storage.s3.secretAccessKey': str('', 'With storage.driver s3: the backend secret access key.', {
    secret: true,
  }),
  'storage.azure.connectionString': str(
    '',
    'With storage.driver azure: the connection string of the storage account (`DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;EndpointSuffix=core.windows.net`, or with `BlobEndpoint=` for Azurite or a private endpoint).',
    { secret: true },
  ),
  'storage.azure.container': str(
    'terrahub',
    "With storage.driver azure: the container that holds all of TerraHub's buckets (made at first use if missing).",
  ),
  'storage.quota': bytes(
    '100GB',
    "Default storage quota of each user: the bytes of all the buckets they own (0 means no limit). A write past it is refused with S3's QuotaExceeded.",
  ),
  'storage.multipartExpiry': duration(
    '7d',
    'Multipart uploads neither completed nor aborted for this long are removed, with their parts.',
  ),
  'storage.presignMaxAge': duration(
    '1h',
    'Lifetime of the URLs and tokens the signing service (/api/sas/v1) hands out (at most 7 days).',
  ),

  // --- catalog ------------------------------------------------------------------------------------
  'catalog.driver': enumOf(
    ['sqlite', 'postgres'] as const,
    'sqlite',
    'CatalogStore driver: sqlite keeps the STAC catalog in the state database (R*Tree for bboxes); postgres keeps it in PostgreSQL with PostGIS (catalog.postgres.*; docs/catalog.md).',
  ),
  'catalog.postgres.url': str(
    '',
    'With catalog.driver postgres: the database, as postgres://user:password@host:port/database (the database needs the postgis extension; scripts/postgres.sh sets one up and prints this URL).',
    { secret: true },
  ),
  'catalog.postgres.schema': str(
    'terrahub',
    'With catalog.driver postgres: the schema of the catalog tables (created, and migrated, at start).',
  ),
  'catalog.postgres.poolSize': int(
    10,
    'With catalog.driver postgres: most connections open to the database at once.',
    { min: 1, max: 1000 },
  ),
  'catalog.countLimit': int(
    10000,
    'numberMatched (on first pages) is exact when the searched collections hold at most this many items; beyond, it is estimated from the first this-many items and the response says "terrahub:numberMatchedExact": false.',
    { min: 1 },
  ),
  'catalog.queryables': str(
    '',
    'Path of a JSON file of extra queryables ({"name": JSON schema}) added to those derived from the items.',
  ),
  'catalog.validateExtensions': bool(
    true,
    'Check written items and collections against the JSON schemas of the extensions they declare in stac_extensions (eo, projection, ...), besides the STAC core schema and the geometry. false stores extension fields unchecked, as stac-fastapi-pgstac does by default (its VALIDATE_EXTENSIONS).',
  ),

  // --- data API (tiler) ---------------------------------------------------------------------------
  'tiler.allowedHosts': str(
    '',
    'Comma-separated host names (host or host:port) the data API may read COGs from by http(s) URL, besides ' +
      "TerraHub's own storage. Empty: storage only, so the API cannot be used for server-side request forgery.",
  ),
  'tiler.cacheSize': bytes(
    '256MB',
    'Memory for the data API cache of COG byte ranges (headers and tiles), shared by all requests.',
  ),
  'tiler.blockCacheSize': bytes(
    '256MB',
    'Memory for the data API cache of decoded (decompressed) COG blocks, shared by all requests, so ' +
      'neighbouring tiles do not decompress the same block again.',
  ),
  'tiler.maxItemsPerTile': int(20, 'Most items a mosaic tile reads; items past the cap are skipped.', {
    min: 1,
    max: 500,
  }),
  'tiler.maxImageSize': int(
    4096,
    'Largest width or height, in pixels, of a preview or bbox image (400 above).',
    { min: 256, max: 20000 },
  ),
  'tiler.workers': int(
    2,
    'Worker threads that map, resample and encode tiles off the event loop; 0 renders on the event loop.',
    { min: 0, max: 64 },
  ),
  'tiler.cacheMaxAge': duration(
    '1h',
    'max-age the data API sends in Cache-Control for tiles and other images.',
  ),

  // --- hub ----------------------------------------------------------------------------------------
  'hub.jupyterCommand': str(
    'jupyter',
    "Command that starts users' Jupyter servers (`<command> lab ...`) for profiles that name no environment.",
  ),
  'hub.profiles': json(
    DEFAULT_PROFILES,
    'Server profiles users choose from (the first is the default), as JSON: a list of {name, description, environment, cpus, memory ("8GB"), idleTimeout ("1h"), maxAge, quota}.',
    parseProfiles,
  ),
  'hub.unixUsers': enumOf(
    ['auto', 'on', 'off'] as const,
    'auto',
    'Run each server as its own Unix account `terrahub-{name}` (home mode 0700). auto: when TerraHub runs as root.',
  ),
  'hub.startTimeout': duration(
    '120s',
    'How long a server may take to answer its readiness probe before the start fails.',
  ),
  'hub.stopGrace': duration('10s', 'Time between SIGTERM and SIGKILL when a server is stopped.'),
  'hub.stopServersOnExit': bool(
    true,
    'Stop running servers when TerraHub shuts down cleanly (after a crash they are re-adopted either way).',
  ),
  'hub.cullInterval': duration(
    '60s',
    'How often the idle culler and the liveness check look at running servers.',
  ),
  'hub.homeQuota': bytes('10GB', "Default quota of a user's home directory (profiles may set their own)."),
  'hub.usageInterval': duration('5m', 'How often home directory usage is measured in the background.'),
  'hub.sessionMaxAge': duration('14d', 'Lifetime of a browser login session.'),
  'hub.namedServerLimit': int(
    3,
    'Named servers (`/user/{name}/{server}/`) a user may have running or starting at once, besides the default server; 0 turns named servers off.',
    { min: 0, max: 100 },
  ),
  'hub.wsRelay': enumOf(
    ['native', 'js'] as const,
    'native',
    "How the proxy relays WebSocket bytes once upgraded: native (a thread of TerraHub's built-in addon moves them between the two sockets; used when `npm install` could build it, else js) or js (Node streams).",
  ),
  'hub.homes.hardQuota': enumOf(
    ['none', 'loop'] as const,
    'none',
    "Hard limit on home directories: none (the quota is soft: warnings, uploads through TerraHub refused) or loop (each home is a loop-mounted ext4 image of the quota's size, so the kernel refuses writes past it; needs root; docs/hub.md).",
  ),
  // hub: OpenID Connect login (src/hub/auth, docs/hub.md "OpenID Connect login"); off while the issuer is empty
  'hub.oidc.issuer': str(
    '',
    'Issuer URL of the OpenID Connect provider (its discovery document is ISSUER/.well-known/openid-configuration). Empty: OIDC login is off.',
  ),
  'hub.oidc.clientId': str('', 'Client id the hub is registered with at the provider.'),
  'hub.oidc.clientSecret': str(
    '',
    'Client secret of that registration (empty: a public client, protected by PKCE alone).',
    { secret: true },
  ),
  'hub.oidc.scopes': str(
    'openid profile email',
    'Scopes asked for (space-separated; `openid` is always added).',
  ),
  'hub.oidc.displayName': str(
    '',
    'Name on the login button ("Log in with NAME"). Empty: the host name of the issuer.',
  ),
  'hub.oidc.usernameClaim': str(
    'preferred_username',
    'Claim (of the ID token or userinfo; a dotted path reaches into objects) that names the TerraHub user; lowercased and made to fit user-name rules.',
  ),
  'hub.oidc.groupsClaim': str(
    'groups',
    "Claim holding the user's groups at the provider (a list of strings), for allowedGroups, adminGroups and manageGroups.",
  ),
  'hub.oidc.allowedGroups': {
    ...str('', ''),
    type: 'list',
    default: [] as string[],
    doc: 'Only members of one of these provider groups may log in (comma-separated or a list). Empty: everyone the provider authenticates.',
    parse: parseNameList,
  },
  'hub.oidc.adminGroups': {
    ...str('', ''),
    type: 'list',
    default: [] as string[],
    doc: 'Members of one of these provider groups are TerraHub admins, and non-members are not (set at every login). Empty: the provider does not decide who is admin.',
    parse: parseNameList,
  },
  'hub.oidc.manageGroups': bool(
    false,
    "Replace the user's TerraHub groups with their provider groups at every login (names that do not fit TerraHub's rules are dropped).",
  ),
  'hub.oidc.autoCreate': bool(
    true,
    'Create the TerraHub user (with their home bucket) at their first OIDC login; off: only users that already exist and are linked may log in.',
  ),
  'hub.oidc.linkExisting': enumOf(
    ['never', 'always'] as const,
    'never',
    'When the provider names a user that already exists here and is not linked to this login: never (refuse; the user links the accounts after a password login at /hub/oauth_link), or always (trust the provider for that name, as JupyterHub does).',
  ),
  'hub.oidc.localLogin': bool(
    true,
    'With OIDC on, also offer the local user-name/password form and sign-up; false: OIDC is the only browser login (API tokens still work).',
  ),
  'hub.oidc.logoutAtProvider': bool(
    false,
    "Logging out of TerraHub also ends the login at the provider (OpenID Connect RP-Initiated Logout): the browser goes to the provider's end_session_endpoint and comes back to /hub/login, which must be registered there as a post-logout redirect URI. Off: only TerraHub's session ends (JupyterHub's default), and the next login may pass at the provider without a password.",
  ),
  'hub.oidc.allowHttp': bool(
    false,
    'Allow a plain-http issuer that is not on 127.0.0.1/localhost (only on a network you trust: tokens cross it in the clear).',
  ),

  // --- environments -------------------------------------------------------------------------------
  'envs.python': str(
    'python3',
    'Python interpreter (3.10 or newer) that `terrahub env build` makes environments (venvs) with.',
  ),
  'envs.profilesDir': str(
    '',
    'Directory of extra environment profiles, each a folder `<name>/requirements.lock.txt` (wins over a built-in of the same name).',
  ),
  'envs.buildOnStart': bool(
    true,
    'Build the `default` environment in the background at start-up when it is missing or out of date (needs PyPI access; takes minutes the first time).',
  ),
  'envs.demoData': bool(
    true,
    'Create the public `demo` collection (generated scenes and a DEM) at start-up when it is missing.',
  ),
} satisfies Record<string, KeyDef<unknown>>;

export type ConfigKey = keyof typeof CONFIG_KEYS;
type ValueOf<D> = D extends KeyDef<infer V> ? V : never;
/** The effective configuration: a flat object keyed by dotted key. */
export type Config = { readonly [K in ConfigKey]: ValueOf<(typeof CONFIG_KEYS)[K]> };
