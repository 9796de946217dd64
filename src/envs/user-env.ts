/**
 * The environment variables every user process gets (Jupyter server, batch job, Dask worker), so that
 * pystac-client, boto3, s3fs, rasterio/GDAL and the `terrahub` Python client reach TerraHub as that user with
 * no setup in the notebook. The hub's spawner, batch jobs and Dask clusters all call `userEnvironment`.
 *
 * Pure: no I/O. `userEnvironmentFor` looks the user's S3 keys up in the identity store.
 */
import type { Identity } from '../core/identity/index.ts';

export interface UserEnvInput {
  /** URL the user's processes reach the main origin at (no trailing slash needed). */
  publicUrl: string;
  /** URL the user's processes reach the S3 endpoint at. */
  s3Url: string;
  /** The user's name. */
  user: string;
  /** An API token of that user, for the STAC API, the SAS API and the hub API. */
  token: string;
  /** The user's S3 key pair. */
  s3Credentials: { accessKeyId: string; secretAccessKey: string };
  /** Named server (`/user/{name}/{server}/`); empty or omitted for the default server. */
  serverName?: string;
  /** Region name SigV4 signs with; TerraHub accepts any, clients insist on one. Default us-east-1. */
  region?: string;
}

const strip = (u: string) => u.replace(/\/+$/, '');

/**
 * @example
 * const env = userEnvironment({ publicUrl: 'http://127.0.0.1:8000', s3Url: 'http://127.0.0.1:9000',
 *   user: 'alice', token, s3Credentials: { accessKeyId, secretAccessKey } });
 * spawn('jupyter-lab', [], { env: { ...baseEnv, ...env } });
 */
export function userEnvironment(input: UserEnvInput): Record<string, string> {
  const origin = strip(input.publicUrl);
  const s3 = new URL(strip(input.s3Url));
  const s3Url = strip(s3.href);
  const region = input.region || 'us-east-1';
  const prefix = `/user/${encodeURIComponent(input.user)}/${input.serverName ? `${encodeURIComponent(input.serverName)}/` : ''}`;
  const https = s3.protocol === 'https:';
  return {
    // The terrahub client and anything that talks to the origin.
    TERRAHUB_URL: origin,
    TERRAHUB_USER: input.user,
    TERRAHUB_TOKEN: input.token,
    TERRAHUB_SAS_URL: `${origin}/api/sas/v1`,
    TERRAHUB_DATA_API_URL: `${origin}/api/data/v1`,
    STAC_URL: `${origin}/api/stac/v1`,

    // boto3/botocore >= 1.31 and the aws CLI read AWS_ENDPOINT_URL(_S3); s3fs/fsspec reads its own variable.
    AWS_ENDPOINT_URL: s3Url,
    AWS_ENDPOINT_URL_S3: s3Url,
    FSSPEC_S3_ENDPOINT_URL: s3Url,
    AWS_ACCESS_KEY_ID: input.s3Credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: input.s3Credentials.secretAccessKey,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    // Path-style addressing: bucket names are not DNS names of this host.
    AWS_S3_ADDRESSING_STYLE: 'path',
    // Newer botocore adds streaming CRC checksums to every upload; only send them where S3 requires them.
    AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
    // Without keys a client would wait on a cloud metadata service that is not there.
    AWS_EC2_METADATA_DISABLED: 'true',

    // GDAL's /vsis3/ (rasterio, rioxarray, odc-stac) wants host:port, path-style and the scheme apart.
    AWS_S3_ENDPOINT: s3.host,
    AWS_VIRTUAL_HOSTING: 'FALSE',
    AWS_HTTPS: https ? 'YES' : 'NO',
    // Opening a COG must not list its "directory" (one LIST per open otherwise).
    GDAL_DISABLE_READDIR_ON_OPEN: 'EMPTY_DIR',
    GDAL_HTTP_MERGE_CONSECUTIVE_RANGES: 'YES',
    GDAL_HTTP_MAX_RETRY: '3',
    GDAL_HTTP_RETRY_DELAY: '1',
    VSI_CACHE: 'TRUE',

    // Dask's dashboard link points through the hub's proxy to the user's server (jupyter-server-proxy).
    TERRAHUB_SERVER_PREFIX: prefix,
    DASK_DISTRIBUTED__DASHBOARD__LINK: `${origin}${prefix}proxy/{port}/status`,
  };
}

/**
 * The environment for `user`, with the S3 keys from the identity store.
 * @example
 * const { token } = s.identity.tokens.create(user, { note: 'server' });
 * const env = userEnvironmentFor(s, 'alice', token);
 */
export function userEnvironmentFor(
  s: { publicUrl: string; s3PublicUrl: string; identity: Identity },
  user: string,
  token: string,
  opts: { serverName?: string; region?: string } = {},
): Record<string, string> {
  return userEnvironment({
    publicUrl: s.publicUrl,
    s3Url: s.s3PublicUrl,
    user,
    token,
    s3Credentials: s.identity.users.credentials(user),
    ...opts,
  });
}
