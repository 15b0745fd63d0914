// Svelte compiler options shared by Vite and svelte-check. TypeScript in components is type-only
// (Svelte 5 strips it natively), so no preprocessor is needed.
export default { compilerOptions: { runes: true } };
