/** What `stryker.config.mjs` exports, typed once for the scripts and tests that read it. */
import * as path from "node:path";
import { PROJECT_ROOT } from "../../components/core/project";

export interface StrykerConfigModule {
    default: { mochaOptions: { spec: string[] } };
    SCOPE: string[];
    PARTS: string[][];
    partPatterns(paths: string[]): string[];
    partName(paths: string[]): string;
    shardPaths(text: string): string[];
}

export const loadStrykerConfig = () =>
    import(path.join(PROJECT_ROOT, "stryker.config.mjs")) as Promise<StrykerConfigModule>;
