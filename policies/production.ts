/**
 * Which stacks are production: by name, or by a stack tag. Both are policy configuration, so a
 * team with other names (`live`, `prd`) or its own tag convention changes the pack's config, not
 * its code.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";
import { stackOfUrn } from "./resources";

export interface ProductionConfig {
    productionStacks: string[];
    productionTag: string;
    productionTagValue: string;
}

export const productionConfigSchema: PolicyConfigSchema["properties"] = {
    productionStacks: {
        type: "array",
        items: { type: "string" },
        default: ["prod", "production"],
        description: "Stack names that are production.",
    },
    productionTag: { type: "string", default: "environment", description: "Stack tag that marks production stacks..." },
    productionTagValue: { type: "string", default: "production", description: "...when it has this value." },
};

export function isProduction(urn: string, stackTags: ReadonlyMap<string, string>, config: ProductionConfig): boolean {
    return (
        config.productionStacks.includes(stackOfUrn(urn)) ||
        stackTags.get(config.productionTag) === config.productionTagValue
    );
}
