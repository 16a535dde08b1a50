/**
 * Tenant data must survive any configuration change: every PostgreSQL database and schema is
 * `protect`ed, so the engine refuses to delete or replace it. Policies see `protect` but not
 * `retainOnDelete` (the analyzer's resource options do not carry it), so protection is what this
 * can enforce. The one way out is a decommission, which dumps the app's data first: storage under
 * a TenantApp that also holds a Decommission resource may be unprotected.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../components/core/typeTokens";

const DATA_TYPES: readonly string[] = [TYPES.pgDatabase, TYPES.pgSchema];

export const tenantDataProtected: StackValidationPolicy = {
    name: "tenant-data-protected",
    description:
        "Every PostgreSQL database and schema is protected, unless its app is being decommissioned (dumped first).",
    // An unprotected database is one config edit away from DROP DATABASE ... WITH (FORCE).
    enforcementLevel: "mandatory",
    severity: "critical",
    validateStack: (args, report) => {
        const decommissioning = new Set(
            args.resources.filter((r) => r.type === TYPES.decommission).map((r) => tenantOf(r)?.urn),
        );
        for (const r of args.resources) {
            if (!DATA_TYPES.includes(r.type) || r.opts.protect) continue;
            const tenant = tenantOf(r);
            if (tenant && decommissioning.has(tenant.urn)) continue;
            report(
                `${r.type.split(":").pop()} ${JSON.stringify(r.props.name)} holds tenant data and must be protected (protect: true)`,
                r.urn,
            );
        }
    },
};

function tenantOf(r: PolicyResource): PolicyResource | undefined {
    for (let p = r.parent; p; p = p.parent) if (p.type === TYPES.tenantApp) return p;
    return undefined;
}
