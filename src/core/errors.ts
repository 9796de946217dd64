/**
 * The error registry: every error TerraHub shows a client has a code here, with its HTTP status and a
 * default message. Throw `new TerraHubError('TH_NOT_FOUND', 'user "x" not found')`; never return errors.
 * One error handler per protocol maps them to its shape (JSON here, S3 XML in storage, HTML in the hub).
 * docs/errors.md lists every code; a test fails when one is missing there.
 * Each area owns one section: add codes to your own section only.
 */
export const ERROR_CODES = {
  // --- general ------------------------------------------------------------------------------------
  TH_BAD_REQUEST: { status: 400, message: 'The request is not valid.' },
  TH_INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  TH_VALIDATION: { status: 400, message: 'The request does not match the expected schema.' },
  TH_UNAUTHORIZED: { status: 401, message: 'Authentication is required: send a valid API token.' },
  TH_FORBIDDEN: { status: 403, message: 'The credentials do not allow this.' },
  TH_MISSING_SCOPE: { status: 403, message: 'The token lacks a scope this request needs.' },
  TH_NOT_FOUND: { status: 404, message: 'Not found.' },
  TH_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed.' },
  TH_CONFLICT: { status: 409, message: 'The resource already exists or was changed.' },
  TH_PRECONDITION_FAILED: { status: 412, message: 'A precondition of the request failed.' },
  TH_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  TH_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body has an unsupported content type.' },
  TH_UNPROCESSABLE: { status: 422, message: 'The input could not be processed.' },
  TH_RATE_LIMITED: { status: 429, message: 'Too many requests.' },
  TH_INTERNAL: { status: 500, message: 'Internal server error.' },
  TH_UNAVAILABLE: { status: 503, message: 'The service is not available right now.' },
  TH_INSUFFICIENT_STORAGE: { status: 507, message: 'Not enough storage space.' },

  // --- identity -----------------------------------------------------------------------------------
  TH_INVALID_USERNAME: {
    status: 400,
    message:
      'User names are 1 to 64 of: lowercase letters, digits, "-", "_", "." and start with a letter or digit.',
  },
  TH_USER_EXISTS: { status: 409, message: 'A user with that name exists.' },
  TH_USER_NOT_FOUND: { status: 404, message: 'No such user.' },
  TH_TOKEN_NOT_FOUND: { status: 404, message: 'No such token.' },
  TH_INVALID_SCOPE: { status: 400, message: 'Unknown scope, or a scope the owner does not have.' },

  // --- storage ------------------------------------------------------------------------------------
  // S3 protocol errors: src/storage/s3/errors.xml.ts maps each to S3's own <Code> (named in the message).
  TH_S3_NO_SUCH_BUCKET: { status: 404, message: 'The specified bucket does not exist.' },
  TH_S3_NO_SUCH_KEY: { status: 404, message: 'The specified key does not exist.' },
  TH_S3_NO_SUCH_UPLOAD: { status: 404, message: 'The specified multipart upload does not exist.' },
  TH_S3_BUCKET_EXISTS: { status: 409, message: 'The requested bucket name is not available.' },
  TH_S3_BUCKET_OWNED: { status: 409, message: 'You already own a bucket with this name.' },
  TH_S3_BUCKET_NOT_EMPTY: { status: 409, message: 'The bucket you tried to delete is not empty.' },
  TH_S3_INVALID_BUCKET_NAME: {
    status: 400,
    message:
      'Bucket names are 3 to 63 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit.',
  },
  TH_S3_KEY_TOO_LONG: { status: 400, message: 'Object keys are at most 1024 bytes of UTF-8.' },
  TH_S3_INVALID_RANGE: { status: 416, message: 'The requested range is not satisfiable.' },
  TH_S3_PRECONDITION_FAILED: { status: 412, message: 'At least one of the preconditions did not hold.' },
  TH_S3_NOT_MODIFIED: { status: 304, message: 'Not modified.' },
  TH_S3_ACCESS_DENIED: { status: 403, message: 'Access denied.' },
  TH_S3_SIGNATURE_MISMATCH: {
    status: 403,
    message: 'The request signature we calculated does not match the signature you provided.',
  },
  TH_S3_INVALID_ACCESS_KEY: { status: 403, message: 'The access key ID you provided does not exist.' },
  TH_S3_TIME_SKEWED: {
    status: 403,
    message: 'The difference between the request time and the server time is more than 15 minutes.',
  },
  TH_S3_EXPIRED: { status: 403, message: 'Request has expired.' },
  TH_S3_AUTH_MALFORMED: {
    status: 400,
    message: 'The authorization header or query parameters are malformed.',
  },
  TH_S3_CONTENT_SHA256_MISMATCH: {
    status: 400,
    message: 'The x-amz-content-sha256 header does not match the body.',
  },
  TH_S3_BAD_DIGEST: { status: 400, message: 'A checksum of the body does not match the one sent.' },
  TH_S3_INVALID_DIGEST: {
    status: 400,
    message: 'The Content-MD5 header is not the base64 of an MD5 digest.',
  },
  TH_S3_INVALID_PART: { status: 400, message: 'A part is missing or its ETag does not match.' },
  TH_S3_INVALID_PART_ORDER: { status: 400, message: 'Parts must be listed in ascending order.' },
  TH_S3_ENTITY_TOO_SMALL: { status: 400, message: 'Every part but the last must be at least 5 MiB.' },
  TH_S3_MALFORMED_XML: { status: 400, message: 'The XML body is not well-formed or not as expected.' },
  TH_S3_INVALID_ARGUMENT: { status: 400, message: 'An argument of the request is not valid.' },
  TH_S3_INCOMPLETE_BODY: { status: 400, message: 'The body ended before the announced length.' },
  TH_S3_NOT_IMPLEMENTED: { status: 501, message: 'This S3 operation is not implemented.' },
  TH_S3_METHOD_NOT_ALLOWED: { status: 405, message: 'The method is not allowed on this resource.' },
  TH_S3_QUOTA_EXCEEDED: { status: 403, message: "The write would exceed the owner's storage quota." },

  // --- catalog ------------------------------------------------------------------------------------
  TH_STAC_INVALID_GEOMETRY: { status: 400, message: 'The geometry is not valid GeoJSON in CRS84.' },
  TH_STAC_INVALID_ITEM: { status: 400, message: 'The item does not match the STAC schemas.' },
  TH_STAC_INVALID_COLLECTION: { status: 400, message: 'The collection does not match the STAC schemas.' },
  TH_STAC_BAD_SEARCH: { status: 400, message: 'A search parameter is not valid.' },
  TH_STAC_BAD_FILTER: { status: 400, message: 'The CQL2 filter is not valid or uses an unknown queryable.' },
  TH_STAC_BAD_TOKEN: { status: 400, message: 'The paging token is not valid for this search.' },
  TH_STAC_COLLECTION_NOT_FOUND: { status: 404, message: 'No such collection (or it is private).' },
  TH_STAC_ITEM_NOT_FOUND: { status: 404, message: 'No such item in this collection.' },
  TH_STAC_COLLECTION_EXISTS: { status: 409, message: 'A collection with that id exists.' },
  TH_STAC_ITEM_EXISTS: { status: 409, message: 'An item with that id exists in the collection.' },
  TH_STAC_ETAG_MISMATCH: { status: 412, message: 'If-Match does not match the current ETag.' },

  // --- raster / data API --------------------------------------------------------------------------
  // TIFF/COG library (src/raster/tiff, src/raster/cog)
  TH_RASTER_INVALID_TIFF: {
    status: 422,
    message: 'The file is not a valid TIFF, or it is truncated or corrupt.',
  },
  TH_RASTER_UNSUPPORTED: { status: 422, message: 'The TIFF uses a feature this reader does not support.' },
  // terrahub mirror (src/stac-mirror)
  TH_MIRROR_SOURCE: { status: 502, message: 'The source STAC API answered with an error or not at all.' },
  // Data API (src/tiler)
  TH_TILER_BAD_PARAMETER: { status: 400, message: 'A data API parameter is not valid.' },
  TH_TILER_BAD_EXPRESSION: { status: 400, message: 'The band-math expression is not valid.' },
  TH_TILER_URL_NOT_ALLOWED: {
    status: 400,
    message: 'The url is neither a TerraHub storage href nor on an allow-listed host.',
  },
  TH_TILER_OUTSIDE_DATA: { status: 404, message: 'The tile or point is outside the data.' },
  TH_TILER_UNKNOWN_TMS: { status: 404, message: 'No such tile matrix set.' },
  TH_TILER_ASSET_NOT_FOUND: { status: 404, message: 'The item has no such asset.' },
  TH_TILER_SEARCH_NOT_FOUND: { status: 404, message: 'No registered search with that id.' },
  TH_TILER_NOT_GEOREFERENCED: { status: 422, message: 'The raster has no usable georeferencing.' },
  TH_TILER_SOURCE_UNREADABLE: { status: 422, message: 'The raster could not be read.' },
  TH_TILER_TOO_LARGE: { status: 400, message: 'The requested image is too large.' },

  // --- hub ----------------------------------------------------------------------------------------
  TH_HUB_UNKNOWN_PROFILE: { status: 400, message: 'No profile with that name.' },
  TH_HUB_SERVER_PENDING: {
    status: 409,
    message: 'The server is starting or stopping; try again when it is done.',
  },
  TH_HUB_SERVER_NOT_RUNNING: { status: 503, message: 'The server is not running.' },
  TH_HUB_SPAWN_FAILED: { status: 500, message: 'The server could not be started.' },
  TH_HUB_CSRF: {
    status: 403,
    message: 'The form is stale or was not sent by this site (CSRF check): reload the page.',
  },
  TH_HUB_OVER_QUOTA: { status: 507, message: 'The home directory is over its quota: delete files first.' },
  TH_HUB_BAD_SERVER_NAME: { status: 400, message: 'That is not a usable name for a named server.' },
  TH_HUB_SERVER_LIMIT: {
    status: 400,
    message: 'The user already has the most active named servers allowed (hub.namedServerLimit).',
  },
  TH_HUB_NAMED_SERVERS_OFF: {
    status: 400,
    message: 'Named servers are turned off on this hub (hub.namedServerLimit is 0).',
  },
  TH_HUB_SERVER_NOT_FOUND: { status: 404, message: 'The user has no server by that name.' },
  TH_HUB_HARD_QUOTA: { status: 500, message: "The home directory's hard quota could not be set up." },
  // hub: OpenID Connect login (src/hub/auth); shown to people as HTML pages
  TH_HUB_OIDC_UNAVAILABLE: {
    status: 503,
    message: 'The login provider could not be reached or gave an unusable answer: try again later.',
  },
  TH_HUB_OIDC_STATE: {
    status: 400,
    message:
      'This login answer does not belong to a login started in this browser, or it is used or expired (state check): start the login again.',
  },
  TH_HUB_OIDC_DENIED: {
    status: 403,
    message: 'The login provider did not allow the login (cancelled, or consent refused).',
  },
  TH_HUB_OIDC_INVALID: {
    status: 502,
    message: "The login provider's answer could not be verified (ID token or code exchange failed).",
  },
  TH_HUB_OIDC_NOT_ALLOWED: {
    status: 403,
    message: 'Your account at the login provider is not in a group allowed on this hub.',
  },
  TH_HUB_OIDC_NO_USERNAME: {
    status: 403,
    message: 'The login provider did not send a usable user name.',
  },
  TH_HUB_OIDC_USER_CLASH: {
    status: 409,
    message:
      'A TerraHub account with this user name exists and is not linked to this login: log in with its password and link the accounts at /hub/oauth_link, or ask an admin.',
  },
  TH_HUB_OIDC_NO_ACCOUNT: {
    status: 403,
    message:
      'There is no TerraHub account for this login, and this hub does not create accounts at first login.',
  },
  TH_HUB_LOCAL_LOGIN_OFF: {
    status: 403,
    message: 'Password login is turned off on this hub: use the OpenID Connect login.',
  },

  // --- environments -------------------------------------------------------------------------------
  TH_ENV_PROFILE_NOT_FOUND: { status: 404, message: 'No environment profile with that name.' },
  TH_ENV_BUSY: { status: 409, message: 'The environment is being built by another process.' },
  TH_ENV_BUILD_FAILED: { status: 500, message: 'Building the environment failed.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class TerraHubError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra machine-readable fields (such as the failing JSON path) sent along with the message. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? ERROR_CODES[code].message);
    this.name = 'TerraHubError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = details;
  }
}

export function isTerraHubError(e: unknown): e is TerraHubError {
  return e instanceof TerraHubError;
}

/**
 * Turns anything thrown (ours, Fastify's, a JSON parse error) into a TerraHubError, so that every protocol's
 * handler renders from one shape. Unknown errors become TH_INTERNAL with no detail (the log has the stack).
 */
export function toTerraHubError(e: unknown): TerraHubError {
  if (e instanceof TerraHubError) return e;
  const err = e as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  if (err?.validation) return new TerraHubError('TH_VALIDATION', err.message);
  switch (err?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new TerraHubError('TH_INVALID_JSON', err.message);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new TerraHubError('TH_PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new TerraHubError('TH_UNSUPPORTED_MEDIA_TYPE', err.message);
  }
  if (e instanceof SyntaxError && typeof err.statusCode === 'number' && err.statusCode === 400) {
    return new TerraHubError('TH_INVALID_JSON', e.message);
  }
  const status = err?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const byStatus = (Object.keys(ERROR_CODES) as ErrorCode[]).find(
      (c) => c.startsWith('TH_') && ERROR_CODES[c].status === status,
    );
    return new TerraHubError(byStatus ?? 'TH_BAD_REQUEST', err.message);
  }
  return new TerraHubError('TH_INTERNAL');
}
