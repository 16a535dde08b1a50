/**
 * The nocobase-platform program: validate the stack configuration once, build the platform, export
 * what operators and CI read (`pulumi stack output status`).
 */
import { NocoBasePlatform } from "./components/platform";
import { loadPlatformConfig } from "./components/config";

const platform = new NocoBasePlatform("platform", { config: loadPlatformConfig() });

export const entryUrl = platform.entryUrl;
export const status = platform.status;
/** Secret: every database's connection details, for `npm run verify` and operators. */
export const databases = platform.databases;
