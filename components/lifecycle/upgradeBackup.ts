/**
 * The backup before an upgrade: the resource every NocoBase workload of the platform depends on, so
 * that a new `platform.nocobaseVersion` reaches no workload before every database is dumped. The
 * provider (upgradeBackupProvider.ts) says what it dumps, where, and what it refuses.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PgLogin } from "./pgTools";
import { BackupTarget, UPGRADE_BACKUP_PROVIDER_VERSION, UpgradeRecord } from "./upgradeBackupProvider";
import { BundledDynamicResource } from "./providerBundle";
import { TYPES } from "../core/typeTokens";

export interface UpgradeBackupArgs {
    stack: pulumi.Input<string>;
    nocobaseVersion: pulumi.Input<string>;
    location?: pulumi.Input<string | undefined>;
    databases: pulumi.Input<pulumi.Input<BackupTarget>[]>;
    admin?: pulumi.Input<PgLogin>;
    notUpgraded: pulumi.Input<string[]>;
}

const PROVIDER_MODULE = require.resolve("./upgradeBackupProvider");

export class UpgradeBackup extends BundledDynamicResource {
    /** The backup taken before the last upgrade this stack made; null before its first. */
    declare readonly lastUpgrade: pulumi.Output<UpgradeRecord | null>;

    constructor(name: string, args: UpgradeBackupArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            PROVIDER_MODULE,
            TYPES.upgradeBackup,
            name,
            { ...args, providerVersion: UPGRADE_BACKUP_PROVIDER_VERSION, lastUpgrade: undefined },
            // Every login's password is in these two.
            ["databases", "admin"],
            opts,
        );
    }
}
