export { imageDescription, renderDockerfile } from './dockerfile.ts';
export { type GenerateOptions, type GenerateResult, generateConnector, TEMPLATES_DIR } from './generate.ts';
export { isKind, KINDS, type Kind, namesOf, SLUG_PATTERN } from './names.ts';
export { render } from './render.ts';
