/** One tenant app: its storage, its registration with the entry app, its retirement. */
export * from "./tenantApp";
