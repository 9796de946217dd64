/** TerraHub's version, as the hub API and `terrahub --version` report it (keep equal to package.json). */
export const VERSION = '0.1.0';
