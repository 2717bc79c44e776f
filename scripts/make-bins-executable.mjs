// npm links bins only after install; when built from a checkout the entry files must be executable.
import { chmodSync, existsSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
for (const [name, file] of Object.entries(pkg.bin)) {
  const url = new URL(`../${file}`, import.meta.url);
  if (!existsSync(url)) {
    console.error(`build: bin ${name} (${file}) was not produced`);
    process.exit(1);
  }
  chmodSync(url, 0o755);
}
