/** The root component and what it owns outright: the platform's secrets, its names, its status. */
export * from "./naming";
export * from "./platform";
export * from "./secrets";
export * from "./status";
