/** For tests that compare two S3 answers (the fast GET path's against the normal path's, native against JS). */

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One request's whole answer; headers named in `ignored` (those that differ by nature, such as the date
 *  and request id) and CORS headers are left out. */
export async function answer(url: string, init: RequestInit, ignored: ReadonlySet<string>): Promise<Answer> {
  const res = await fetch(url, init);
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (!ignored.has(k) && !k.startsWith('access-control-')) headers[k] = v;
  });
  return { status: res.status, headers, body: Buffer.from(await res.arrayBuffer()) };
}
