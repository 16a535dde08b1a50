/**
 * Reads the running stack's configuration from Pulumi and validates it. This is the program's one
 * edge with configuration: past it, only a valid `PlatformConfig` exists.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "./config";
import { formatIssues, stackConfigInput, validateStackConfig } from "./validation";

// Not in the SDK's typings, but exported by it: the CLI marks keys set with `--secret`.
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

export function loadPlatformConfig(project: string = pulumi.getProject()): PlatformConfig {
    const all = pulumi.runtime.allConfig();
    const secretKeys = Object.keys(all).filter((key) => isConfigSecret(key));
    const result = validateStackConfig(stackConfigInput(all, secretKeys, project));
    if (!result.ok) {
        // RunError prints its message without a stack trace: the key paths are the whole story.
        const count = result.issues.length;
        throw new pulumi.RunError(`stack configuration has ${count} problem${count === 1 ? "" : "s"}:\n${formatIssues(result.issues)}`);
    }
    return result.config;
}
