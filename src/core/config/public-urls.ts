import type { Config } from './keys.ts';

/** The addresses users and tools reach TerraHub at: the configured public URLs, else the listen addresses. */
export function publicUrls(config: Config): { publicUrl: string; s3PublicUrl: string } {
  const strip = (u: string) => u.replace(/\/+$/, '');
  return {
    publicUrl: strip(config.publicUrl || `http://${config.host}:${config.port}`),
    s3PublicUrl: strip(config['s3.publicUrl'] || `http://${config['s3.host']}:${config['s3.port']}`),
  };
}
