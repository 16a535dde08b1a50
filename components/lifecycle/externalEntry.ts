/**
 * An adopted entry app (`entry.external`), as the program declares it: the resource whose provider
 * (externalEntryProvider.ts) checks its NocoBase version before anything changes and lists the apps
 * on it that the stack leaves alone.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Supervisor } from "../core/modes";
import { EXTERNAL_ENTRY_PROVIDER_VERSION } from "./externalEntryProvider";
import { BundledDynamicResource } from "./providerBundle";
import { TYPES } from "../core/typeTokens";

export interface ExternalEntryArgs {
    url: pulumi.Input<string>;
    adapter: pulumi.Input<Supervisor>;
    /** Secret. */
    apiKey: pulumi.Input<string>;
    nocobaseVersion: pulumi.Input<string>;
    managedApps: pulumi.Input<string[]>;
}

const PROVIDER_MODULE = require.resolve("./externalEntryProvider");

export class ExternalEntry extends BundledDynamicResource {
    /** The release the entry app runs; undefined until the engine's first check read it. */
    declare readonly runningVersion: pulumi.Output<string | undefined>;
    /** Apps on the entry app that the stack does not name; undefined until first read. */
    declare readonly unmanagedApps: pulumi.Output<string[] | undefined>;

    constructor(name: string, args: ExternalEntryArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            PROVIDER_MODULE,
            TYPES.externalEntry,
            name,
            {
                ...args,
                providerVersion: EXTERNAL_ENTRY_PROVIDER_VERSION,
                runningVersion: undefined,
                unmanagedApps: undefined,
            },
            ["apiKey"],
            opts,
        );
    }
}
