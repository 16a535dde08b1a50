/** NocoBase instances: the entry app, the workers, and the environment variables both run on. */
export * from "./entryApp";
export * from "./environmentVariables";
export * from "./instance";
export * from "./worker";
