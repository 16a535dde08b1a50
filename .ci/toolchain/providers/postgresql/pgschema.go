package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

var schemaPolicyFields = []prop{
	{name: "create", kind: kBool, def: false},
	{name: "createWithGrant", kind: kBool, def: false},
	{name: "role", kind: kString, def: ""},
	{name: "usage", kind: kBool, def: false},
	{name: "usageWithGrant", kind: kBool, def: false},
}

// postgresql_schema: only a change of database replaces it.
var schemaSpec = &resourceSpec{
	token: "postgresql:index/schema:Schema",
	props: []prop{
		{name: "name", kind: kString, required: true, autoname: true},
		{name: "database", kind: kString, computed: true, forceNew: true},
		{name: "owner", kind: kString, computed: true},
		{name: "ifNotExists", kind: kBool, def: true},
		{name: "dropCascade", kind: kBool, def: false},
		{name: "policies", kind: kObjectSet, computed: true, fields: schemaPolicyFields,
			objectType: "postgresql:index/SchemaPolicy:SchemaPolicy",
			deprecated: `Use postgresql_grant resource instead (with object_type="schema")`},
	},
}

type schemaResource struct{}

func (schemaResource) spec() *resourceSpec { return schemaSpec }

func schemaDatabase(c *client, p props) string {
	if db := p.str("database"); db != "" {
		return db
	}
	return c.cfg.database
}

func (r schemaResource) create(ctx context.Context, c *client, plan props) (string, props, error) {
	database := schemaDatabase(c, plan)
	name := plan.str("name")
	err := c.inTx(ctx, database, func(tx pgx.Tx) error {
		// A non-superuser admin acts as the database's owner (to create the schema) and as the
		// schema's owner (to give it away).
		dbOwner, err := databaseOwner(ctx, tx, database)
		if err != nil {
			return err
		}
		roles := []string{dbOwner}
		if o := plan.str("owner"); o != "" && o != dbOwner {
			roles = append(roles, o)
		}
		return withRolesGranted(ctx, tx, roles, func() error {
			found, err := schemaExists(ctx, tx, name)
			if err != nil {
				return fmt.Errorf("error looking for schema: %w", err)
			}
			var queries []string
			if !found {
				sql := "CREATE SCHEMA "
				if c.version.atLeast(9, 3) && plan.boolean("ifNotExists") {
					sql += "IF NOT EXISTS "
				}
				sql += ident(name)
				if o := plan.str("owner"); o != "" {
					sql += " AUTHORIZATION " + ident(o)
				}
				queries = append(queries, sql)
			} else if o := plan.str("owner"); o != "" {
				// An existing schema is adopted and given to its owner.
				queries = append(queries, fmt.Sprintf("ALTER SCHEMA %s OWNER TO %s", ident(name), ident(o)))
			}
			for _, pol := range mergePolicies(plan["policies"]) {
				queries = append(queries, pol.grants(name)...)
			}
			for _, q := range queries {
				if _, err := tx.Exec(ctx, q); err != nil {
					return fmt.Errorf("error creating schema %s: %w", name, err)
				}
			}
			return nil
		})
	})
	if err != nil {
		return "", nil, err
	}
	id := database + "." + name
	out, found, err := r.read(ctx, c, id, plan)
	if err != nil {
		return id, nil, err
	}
	if !found {
		return id, nil, fmt.Errorf("schema %s vanished right after its creation", id)
	}
	return id, out, nil
}

// schemaName is the database and schema a state (or, on import, an id) designates.
func schemaName(c *client, id string, p props) (string, string, error) {
	database, name := schemaDatabase(c, p), p.str("name")
	if name == "" {
		parts := strings.Split(id, ".")
		if len(parts) != 2 {
			return "", "", fmt.Errorf("schema ID %s has not the expected format 'database.schema': %v", id, parts)
		}
		database, name = parts[0], parts[1]
	}
	return database, name, nil
}

func (schemaResource) read(ctx context.Context, c *client, id string, prior props) (props, bool, error) {
	database, name, err := schemaName(c, id, prior)
	if err != nil {
		return nil, false, err
	}
	var found bool
	if err := c.withConn(ctx, "", func(conn *pgx.Conn) error {
		found, err = dbExists(ctx, conn, database)
		return err
	}); err != nil || !found {
		return nil, false, err
	}
	var out props
	err = c.inTx(ctx, database, func(tx pgx.Tx) error {
		var owner string
		err := tx.QueryRow(ctx, "SELECT pg_catalog.pg_get_userbyid(n.nspowner)::text FROM pg_catalog.pg_namespace n WHERE n.nspname=$1", name).Scan(&owner)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("error reading schema: %w", err)
		}
		out = props{"name": name, "owner": owner, "database": database}
		return nil
	})
	if err != nil || out == nil {
		return nil, false, err
	}
	return out, true, nil
}

func (r schemaResource) update(ctx context.Context, c *client, id string, old, plan props) (string, props, error) {
	database := schemaDatabase(c, plan)
	name := plan.str("name")
	changed := func(k string) bool { return hasChange(schemaSpec, old, plan, k) }
	err := c.inTx(ctx, database, func(tx pgx.Tx) error {
		if changed("name") {
			if name == "" {
				return errors.New("error setting schema name to an empty string")
			}
			if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER SCHEMA %s RENAME TO %s", ident(old.str("name")), ident(name))); err != nil {
				return fmt.Errorf("error updating schema NAME: %w", err)
			}
		}
		if changed("owner") {
			owner := plan.str("owner")
			if owner == "" {
				return errors.New("error setting schema owner to an empty string")
			}
			if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER SCHEMA %s OWNER TO %s", ident(name), ident(owner))); err != nil {
				return fmt.Errorf("error updating schema OWNER: %w", err)
			}
		}
		if changed("policies") {
			return updatePolicies(ctx, tx, name, plan.str("owner"), old["policies"], plan["policies"])
		}
		return nil
	})
	newID := database + "." + name
	if err != nil {
		return id, nil, err
	}
	out, found, err := r.read(ctx, c, newID, plan)
	if err != nil {
		return newID, nil, err
	}
	if !found {
		return newID, nil, fmt.Errorf("schema %s vanished during its update", newID)
	}
	return newID, out, nil
}

func (schemaResource) delete(ctx context.Context, c *client, id string, state props) error {
	database, name, err := schemaName(c, id, state)
	if err != nil {
		return err
	}
	return c.inTx(ctx, database, func(tx pgx.Tx) error {
		found, err := schemaExists(ctx, tx, name)
		if err != nil || !found {
			return err
		}
		var roles []string
		if o := state.str("owner"); o != "" {
			roles = []string{o}
		}
		return withRolesGranted(ctx, tx, roles, func() error {
			mode := "RESTRICT"
			if state.boolean("dropCascade") {
				mode = "CASCADE"
			}
			if _, err := tx.Exec(ctx, fmt.Sprintf("DROP SCHEMA %s %s", ident(name), mode)); err != nil {
				return fmt.Errorf("error deleting schema: %w", err)
			}
			return nil
		})
	})
}

func (schemaResource) importState(id string) (props, error) {
	parts := strings.Split(id, ".")
	if len(parts) != 2 {
		return nil, fmt.Errorf("schema ID %s has not the expected format 'database.schema': %v", id, parts)
	}
	return props{"database": parts[0], "name": parts[1]}, nil
}

// schemaPolicy is one role's privileges of the deprecated policies block.
type schemaPolicy struct {
	role                            string
	create, usage                   bool
	createGrantable, usageGrantable bool
}

func policyOf(m map[string]any) schemaPolicy {
	p := props(m)
	return schemaPolicy{
		role:            p.str("role"),
		create:          p.boolean("create") || p.boolean("createWithGrant"),
		usage:           p.boolean("usage") || p.boolean("usageWithGrant"),
		createGrantable: p.boolean("createWithGrant"),
		usageGrantable:  p.boolean("usageWithGrant"),
	}
}

func (p schemaPolicy) grantee() string {
	if p.role == "" {
		return "PUBLIC"
	}
	return ident(p.role)
}

func (p schemaPolicy) grants(schema string) []string {
	var out []string
	add := func(on bool, grantable bool, priv string) {
		if !on {
			return
		}
		q := fmt.Sprintf("GRANT %s ON SCHEMA %s TO %s", priv, ident(schema), p.grantee())
		if grantable {
			q += " WITH GRANT OPTION"
		}
		out = append(out, q)
	}
	add(p.create, p.createGrantable, "CREATE")
	add(p.usage, p.usageGrantable, "USAGE")
	return out
}

func (p schemaPolicy) revokes(schema string) []string {
	return []string{fmt.Sprintf("REVOKE ALL PRIVILEGES ON SCHEMA %s FROM %s", ident(schema), p.grantee())}
}

// mergePolicies folds several blocks for one role (case-insensitively, as upstream) into one.
func mergePolicies(v any) map[string]schemaPolicy {
	out := map[string]schemaPolicy{}
	l, _ := v.([]any)
	for _, e := range l {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		p := policyOf(m)
		key := strings.ToLower(p.role)
		if prev, ok := out[key]; ok {
			p.create = p.create || prev.create
			p.usage = p.usage || prev.usage
			p.createGrantable = p.createGrantable || prev.createGrantable
			p.usageGrantable = p.usageGrantable || prev.usageGrantable
		}
		out[key] = p
	}
	return out
}

func updatePolicies(ctx context.Context, tx pgx.Tx, schema, owner string, oldV, newV any) error {
	olds, news := mergePolicies(oldV), mergePolicies(newV)
	var queries []string
	for k, o := range olds {
		n, kept := news[k]
		if kept && n == o {
			continue
		}
		// A role dropped meanwhile has no privileges left to revoke.
		if o.role != "" {
			if ok, err := roleExists(ctx, tx, o.role); err != nil {
				return err
			} else if !ok {
				continue
			}
		}
		queries = append(queries, o.revokes(schema)...)
	}
	for k, n := range news {
		if o, had := olds[k]; had && o == n {
			continue
		}
		queries = append(queries, n.grants(schema)...)
	}
	var roles []string
	if owner != "" {
		roles = []string{owner}
	}
	return withRolesGranted(ctx, tx, roles, func() error {
		for _, q := range queries {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("error updating schema DCL: %w", err)
			}
		}
		return nil
	})
}
