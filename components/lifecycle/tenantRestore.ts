/**
 * A tenant's new storage restored from a dump before the app is registered (`apps[].restoreFrom`).
 * What it checks and refuses: components/lifecycle/restoreProvider.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PgTarget } from "./pgTools";
import { RESTORE_PROVIDER_VERSION } from "./restoreProvider";
import { BundledDynamicResource } from "./providerBundle";
import { TYPES } from "../core/typeTokens";

export interface TenantRestoreArgs {
    appId: pulumi.Input<string>;
    file: pulumi.Input<string>;
    target: pulumi.Input<PgTarget>;
}

const PROVIDER_MODULE = require.resolve("./restoreProvider");

export class TenantRestore extends BundledDynamicResource {
    declare readonly sha256: pulumi.Output<string>;
    declare readonly verified: pulumi.Output<boolean>;
    declare readonly restoredAt: pulumi.Output<string>;

    constructor(name: string, args: TenantRestoreArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            PROVIDER_MODULE,
            TYPES.restore,
            name,
            {
                ...args,
                providerVersion: RESTORE_PROVIDER_VERSION,
                sha256: undefined,
                bytes: undefined,
                verified: undefined,
                relations: undefined,
                restoredAt: undefined,
            },
            ["target"],
            opts,
        );
    }
}
