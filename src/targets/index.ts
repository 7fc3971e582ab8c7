export * from './interpreters.js';
export * from './platforms.js';
export * from './target.js';
export * from './compatibility.js';
