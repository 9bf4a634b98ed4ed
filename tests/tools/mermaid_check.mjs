// Parses a Mermaid file with the real mermaid library (jsdom supplies the DOM it expects).
// Installed by .ci/run: npm install --prefix tests/tools
import { JSDOM } from 'jsdom';
import fs from 'fs';
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window; globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
const text = fs.readFileSync(process.argv[2], 'utf8');
try { const r = await mermaid.parse(text); console.log('OK', JSON.stringify(r)); }
catch (e) { console.log('ERROR', e.message.split('\n')[0]); process.exit(1); }
