/**
 * Server-rendered HTML for the hub's pages: one layout, escaping, and small form helpers. No external CDN,
 * no framework; every control is a real link, button or form field, so the pages work with a keyboard.
 */
export type Html = { readonly html: string };

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(s: string | number | boolean | null | undefined): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]!);
}

/** Tagged template: interpolated values are escaped unless they are Html (or lists of Html). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    const part = (x: unknown): string =>
      Array.isArray(x)
        ? x.map(part).join('')
        : x && typeof x === 'object' && 'html' in x
          ? (x as Html).html
          : esc(x as string | number | boolean | null | undefined);
    out += part(v) + strings[i + 1]!;
  });
  return { html: out };
}

export const raw = (s: string): Html => ({ html: s });

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;color:#1b1f23;background:#f6f8fa}
header{background:#0b3d2e;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center}
header a{color:#fff}header .brand{font-weight:700;margin-right:auto;text-decoration:none}
main{max-width:56rem;margin:1.5rem auto;background:#fff;padding:1.2rem 1.6rem;border-radius:6px;box-shadow:0 1px 3px #0002}
button,input,select{font:inherit;padding:.35rem .6rem}button{cursor:pointer}
a:focus,button:focus,input:focus,select:focus{outline:3px solid #f0a000;outline-offset:2px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem;text-align:left}
.warn{background:#fff4ce;border-left:4px solid #f0a000;padding:.5rem .8rem}
.error{background:#fde7e9;border-left:4px solid #c50f1f;padding:.5rem .8rem}
.ok{color:#0b6a0b}pre{background:#f0f0f0;padding:.6rem;overflow:auto;max-height:20rem}
label{display:block;margin:.5rem 0}form.inline{display:inline}`;

export function page(
  title: string,
  body: Html,
  opts: { user?: { name: string; admin: boolean } | null; csrf?: string } = {},
): string {
  const nav = opts.user
    ? html`<a href="/hub/home">Home</a
        ><a href="/hub/token">Token</a>${opts.user.admin ? html`<a href="/hub/admin">Admin</a>` : ''}
        <form class="inline" method="post" action="/hub/logout">
          <input type="hidden" name="_csrf" value="${opts.csrf ?? ''}" /><button>
            Log out ${opts.user.name}
          </button>
        </form>`
    : html``;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} - TerraHub</title><style>${STYLE}</style></head>
<body><header><a class="brand" href="/hub/home">TerraHub</a>${nav.html}</header>
<main><h1>${esc(title)}</h1>${body.html}</main></body></html>`;
}

export function csrfField(csrf: string): Html {
  return html`<input type="hidden" name="_csrf" value="${csrf}" />`;
}
