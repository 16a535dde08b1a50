/** Where workloads run. A runtime type is a folder here, behind the `Workload` interface. */
export * from "./docker/workload";
export * from "./kubernetes/workload";
export * from "./runtime";
export * from "./workload";
