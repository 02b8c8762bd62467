// What the Temporal UI needs of Monaco: its one editor edits Markdown (holocene/monaco/editor.svelte).
// `monaco-editor` itself registers every language and the CSS, HTML, JSON and TypeScript services,
// whose workers (7.5 MB, the TypeScript compiler among them) were half of this app's build and are
// never started here.
import 'monaco-editor/esm/vs/basic-languages/markdown/markdown.contribution';
export * from 'monaco-editor/esm/vs/editor/edcore.main';
