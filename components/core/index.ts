/**
 * The facts every layer shares, each defined once: the words of the stack file, the rules for
 * names, the defaults, NocoBase's constants, the type tokens. Nothing here imports a library, so
 * the dynamic providers' bundles and the policy pack can take it as it is.
 */
export * from "./defaults";
export * from "./identifiers";
export * from "./keyPath";
export * from "./modes";
export * from "./nocobase";
export * from "./project";
export * from "./secret";
export * from "./typeTokens";
export * from "./poll";
export * from "./backups";
export * from "./engine";
