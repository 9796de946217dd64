/**
 * The ObjectStore driver interface: bytes and their metadata per bucket, nothing about users, policies or
 * HTTP. The storage service (../service.ts) adds those; the S3 protocol (../s3) speaks for it.
 * Every driver passes the one contract suite in ./contract.ts.
 */
import type { Readable } from 'node:stream';

/** What S3 keeps beside an object's bytes and gives back on GET/HEAD. */
export interface ObjectMeta {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  cacheControl?: string;
  contentLanguage?: string;
  /** The `Expires` header as sent (kept by `fs` and `azure`, which store this record whole). */
  expires?: string;
  /** `x-amz-meta-*` headers, names lowercased without the prefix. */
  user: Record<string, string>;
  /**
   * The flexible checksum the client chose (`x-amz-checksum-<algorithm>`), verified when written: base64
   * of the whole object's digest. Kept by `fs` and `azure` (which store this record whole), not by `s3`.
   */
  checksum?: { algorithm: string; value: string; type: 'FULL_OBJECT' | 'COMPOSITE' };
}

export interface ObjectInfo {
  key: string;
  size: number;
  /** Quoted as S3 sends it: `"<md5 hex>"`, or `"<md5 of part md5s>-N"` for multipart objects. */
  etag: string;
  lastModified: Date;
  meta: ObjectMeta;
  /** A multipart object's part sizes in order, where the driver keeps them (for GET with partNumber). */
  partSizes?: number[];
}

/** What a listing shows of an object (no metadata: a listing of 1,000 keys should not decode 1,000 of it). */
export type ListedObject = Pick<ObjectInfo, 'key' | 'size' | 'etag' | 'lastModified'>;

/** An inclusive byte range, already checked against the object's size. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface OpenObject {
  info: ObjectInfo;
  /**
   * The bytes of a range, in `into` (a view of it) when given and large enough: callers that reuse buffers
   * save the cost of fresh memory. Drivers may ignore `into`.
   */
  read(range: ByteRange, into?: Buffer): Promise<Buffer>;
  stream(range?: ByteRange): Readable;
  /**
   * Drivers with local files (`fs`): the range as (descriptor, offset, length) triplets, valid until
   * `close`, for zero-copy sending (../native/sendfile.ts).
   */
  files?(range: ByteRange): number[];
  /** Releases the reader when neither read nor stream was used to the end. */
  close(): Promise<void>;
}

export interface ListOptions {
  prefix?: string;
  /** Only keys strictly after this one (S3's marker / start-after / continuation). */
  after?: string;
  limit: number;
}

export interface PartInfo {
  partNumber: number;
  size: number;
  etag: string;
  lastModified: Date;
  /** The part's verified checksum (base64), by its upload's algorithm, where the driver keeps it (`fs`). */
  checksum?: string;
}

export interface UploadInfo {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: Date;
  meta: ObjectMeta;
}

/**
 * Checks a body while it is stored: called once all bytes have arrived, before the object becomes visible.
 * Throwing aborts the write (for signed payload hashes and checksum trailers). It may complete the `meta`
 * given to put (the checksum it verified): drivers record `meta` only after the check.
 */
export type BodyCheck = () => void | Promise<void>;

/**
 * A conditional write's test of the version it would replace (null: none), run right before the new
 * version becomes current; throwing refuses the write. `fs` runs it in the commit's transaction, so no
 * other write comes between; `s3` and `azure` just before they publish the object.
 */
export type WritePrecondition = (current: ObjectInfo | null) => void;

export interface PutOptions {
  /** Refuse bodies longer than this many bytes (quota left), with `TH_S3_QUOTA_EXCEEDED`. */
  maxBytes?: number;
  check?: BodyCheck;
  precondition?: WritePrecondition;
  /** For parts: the body's verified checksum, asked after the check, to keep with the part. */
  checksum?: () => string | null;
}

export interface CompleteOptions {
  precondition?: WritePrecondition;
  /** The object's checksum (the upload's composite one), kept with it instead of the upload's marker. */
  checksum?: ObjectMeta['checksum'];
}

/**
 * An upload's metadata as its object's: the upload's checksum marker (the algorithm it was created with,
 * no value) gives way to the object's checksum, if any.
 */
export function completedMeta(meta: ObjectMeta, checksum?: ObjectMeta['checksum']): ObjectMeta {
  const { checksum: _marker, ...rest } = meta;
  return checksum ? { ...rest, checksum } : rest;
}

export interface ObjectStore {
  readonly name: string;

  createBucket(bucket: string): Promise<void>;
  /** Deletes an empty bucket; `TH_S3_BUCKET_NOT_EMPTY` otherwise. */
  deleteBucket(bucket: string): Promise<void>;
  bucketExists(bucket: string): Promise<boolean>;

  /** Stores a whole object atomically: readers see the old or the new version, never a part. */
  put(bucket: string, key: string, body: Readable, meta: ObjectMeta, opts?: PutOptions): Promise<ObjectInfo>;
  head(bucket: string, key: string): Promise<ObjectInfo | null>;
  /** A stream of the object (or a range of it) with the info of the version being streamed. */
  get(bucket: string, key: string, range?: ByteRange): Promise<{ info: ObjectInfo; body: Readable } | null>;
  /**
   * The current version's info and a reader of its bytes in one lookup (for GET: conditionals need the
   * info first, and small ranges are cheaper read whole into memory than streamed).
   */
  open(bucket: string, key: string): Promise<OpenObject | null>;
  /** Reads `length` bytes at `offset` of the current version (fewer at the end). */
  readRange(bucket: string, key: string, offset: number, length: number): Promise<Buffer>;
  /** True when something was deleted. */
  delete(bucket: string, key: string): Promise<boolean>;
  /** Keys in S3 order (UTF-8 byte order), after `after`, at most `limit`. */
  list(bucket: string, opts: ListOptions): Promise<ListedObject[]>;
  /** Total bytes of the objects in a bucket. */
  bucketSize(bucket: string): Promise<number>;
  /**
   * A number that changes whenever any object changes (where the driver can tell cheaply): listings read
   * ahead are reused only while it stays the same.
   */
  changeCount?(): number;

  createUpload(bucket: string, key: string, meta: ObjectMeta): Promise<string>;
  getUpload(uploadId: string): Promise<UploadInfo | null>;
  putPart(uploadId: string, partNumber: number, body: Readable, opts?: PutOptions): Promise<PartInfo>;
  listParts(uploadId: string): Promise<PartInfo[]>;
  /** Joins the named parts in order into the object; the upload is gone afterwards. */
  completeUpload(
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
    opts?: CompleteOptions,
  ): Promise<ObjectInfo>;
  abortUpload(uploadId: string): Promise<void>;
  listUploads(bucket: string): Promise<UploadInfo[]>;
  /** Aborts uploads started before `before`; returns how many. */
  expireUploads(before: Date): Promise<number>;
  /** Removes stored bytes nothing refers to any more (left by a crash) written before `before`. */
  sweepOrphans?(before: Date): Promise<number>;

  close(): Promise<void>;
}
