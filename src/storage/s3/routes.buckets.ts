/**
 * S3 bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation, and the
 * bucket's access rules: canned ACLs (`x-amz-acl: private | public-read`) and TerraHub's JSON policy
 * (`?policy`: {"access", "read", "readWrite"}, see docs/storage.md).
 */
import { TerraHubError } from '../../core/errors.ts';
import { PRIVATE, validatePolicy, type BucketPolicy } from '../buckets.ts';
import { bucketOf, requireRead, smallBody, xmlReply, type S3Ctx } from './context.ts';
import { doc, el } from './xml.ts';

export async function listBuckets(c: S3Ctx) {
  const p = c.caller.principal;
  if (!p.user) throw new TerraHubError('TH_S3_ACCESS_DENIED', 'sign the request to list your buckets');
  const items = c.svc
    .listBuckets(p)
    .map(
      (b) => `<Bucket>${el('Name', b.name)}${el('CreationDate', new Date(b.created).toISOString())}</Bucket>`,
    )
    .join('');
  const owner = `<Owner>${el('ID', String(p.user.id))}${el('DisplayName', p.user.name)}</Owner>`;
  return xmlReply(c, doc('ListAllMyBucketsResult', `${owner}<Buckets>${items}</Buckets>`));
}

function cannedAcl(c: S3Ctx): BucketPolicy['access'] | null {
  const acl = c.r.headers['x-amz-acl'];
  if (acl === undefined) return null;
  if (acl === 'private' || acl === 'public-read') return acl;
  throw new TerraHubError(
    'TH_S3_NOT_IMPLEMENTED',
    `the canned ACL "${acl}" is not supported (private, public-read)`,
  );
}

export async function createBucket(c: S3Ctx) {
  const bucket = bucketOf(c);
  if (c.caller.grant) throw new TerraHubError('TH_S3_ACCESS_DENIED');
  const access = cannedAcl(c) ?? 'private';
  await c.svc.createBucket(c.caller.principal, bucket, { ...PRIVATE, access });
  return c.reply.status(200).header('location', `/${bucket}`).send();
}

export async function headBucket(c: S3Ctx) {
  requireRead(c, bucketOf(c), false);
  return c.reply.status(200).header('x-amz-bucket-region', 'us-east-1').send();
}

export async function deleteBucket(c: S3Ctx) {
  if (c.caller.grant) throw new TerraHubError('TH_S3_ACCESS_DENIED');
  await c.svc.deleteBucket(c.caller.principal, bucketOf(c));
  return c.reply.status(204).send();
}

export async function getLocation(c: S3Ctx) {
  requireRead(c, bucketOf(c), false);
  return xmlReply(c, doc('LocationConstraint', ''));
}

export async function getVersioning(c: S3Ctx) {
  requireRead(c, bucketOf(c), false);
  return xmlReply(c, doc('VersioningConfiguration', ''));
}

export async function putAcl(c: S3Ctx) {
  const bucket = bucketOf(c);
  const access = cannedAcl(c);
  if (access === null)
    throw new TerraHubError('TH_S3_NOT_IMPLEMENTED', 'set a bucket ACL with the x-amz-acl header');
  if (c.r.key)
    throw new TerraHubError('TH_S3_NOT_IMPLEMENTED', 'object ACLs are not supported; buckets have policies');
  const current = c.svc.bucket(bucket).policy;
  c.svc.setPolicy(c.caller.principal, bucket, { ...current, access });
  return c.reply.status(200).send();
}

export async function getAcl(c: S3Ctx) {
  const b = requireRead(c, bucketOf(c), false);
  const owner = `<Owner>${el('ID', String(b.ownerId ?? 'terrahub'))}</Owner>`;
  const grantee = (uri: string, perm: string) =>
    `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">${el('URI', uri)}</Grantee>${el('Permission', perm)}</Grant>`;
  const grants =
    b.policy.access === 'public-read'
      ? grantee('http://acs.amazonaws.com/groups/global/AllUsers', 'READ')
      : '';
  return xmlReply(c, doc('AccessControlPolicy', `${owner}<AccessControlList>${grants}</AccessControlList>`));
}

export async function getPolicy(c: S3Ctx) {
  const b = requireRead(c, bucketOf(c), false);
  return c.reply.type('application/json').send(JSON.stringify(b.policy));
}

export async function putPolicy(c: S3Ctx) {
  const bucket = bucketOf(c);
  let raw: unknown;
  try {
    raw = JSON.parse(await smallBody(c, 64 * 1024));
  } catch {
    throw new TerraHubError('TH_S3_MALFORMED_XML', 'the policy must be a JSON document');
  }
  c.svc.setPolicy(c.caller.principal, bucket, validatePolicy(raw));
  return c.reply.status(204).send();
}

export async function deletePolicy(c: S3Ctx) {
  c.svc.setPolicy(c.caller.principal, bucketOf(c), PRIVATE);
  return c.reply.status(204).send();
}
