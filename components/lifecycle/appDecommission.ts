/**
 * A decommissioned app's dump, and the drop of its data once asked: the resource the program
 * declares for a tenant in `state: decommissioned`. The two steps, and why they never share a run,
 * are described with the provider in components/lifecycle/decommissionProvider.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { DECOMMISSION_PROVIDER_VERSION, DecommissionInputs, PgLogin } from "./decommissionProvider";
import { BundledDynamicResource } from "./providerBundle";
import { TYPES } from "../core/typeTokens";

/** What a decommission leaves behind, as the status output reports it: the dump, and whether the data was dropped. */
export interface BackupRecord {
    file: string;
    bytes: number;
    sha256: string;
    at: string;
    dropped: boolean;
}

export interface AppDecommissionArgs {
    appId: pulumi.Input<string>;
    stack: pulumi.Input<string>;
    location: pulumi.Input<string>;
    tenant: pulumi.Input<DecommissionInputs["tenant"]>;
    admin?: pulumi.Input<PgLogin>;
    role?: pulumi.Input<string>;
    dropData: pulumi.Input<boolean>;
}

/** Resolved once: every decommission's constructor names the same provider module. */
const PROVIDER_MODULE = require.resolve("./decommissionProvider");

export class AppDecommission extends BundledDynamicResource {
    declare readonly backupFile: pulumi.Output<string>;
    declare readonly backupBytes: pulumi.Output<number>;
    declare readonly backupSha256: pulumi.Output<string>;
    declare readonly backupAt: pulumi.Output<string>;
    declare readonly dropped: pulumi.Output<boolean>;

    constructor(name: string, args: AppDecommissionArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            PROVIDER_MODULE,
            TYPES.decommission,
            name,
            {
                ...args,
                providerVersion: DECOMMISSION_PROVIDER_VERSION,
                backupFile: undefined,
                backupBytes: undefined,
                backupSha256: undefined,
                backupAt: undefined,
                dropped: undefined,
            },
            ["tenant", "admin"],
            opts,
        );
    }
}
