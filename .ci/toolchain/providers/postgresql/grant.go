package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

var grantObjectTypes = []string{
	"database", "function", "procedure", "routine", "schema", "sequence", "table",
	"foreign_data_wrapper", "foreign_server", "column",
}

// postgresql_grant: everything but privileges is ForceNew, and the pulumi provider asks for the
// old grant to go before its replacement is made (DeleteBeforeReplace), since both would be
// the same ACL entry.
var grantSpec = &resourceSpec{
	token:               "postgresql:index/grant:Grant",
	deleteBeforeReplace: true,
	props: []prop{
		{name: "role", kind: kString, required: true, forceNew: true},
		{name: "database", kind: kString, required: true, forceNew: true},
		{name: "schema", kind: kString, forceNew: true},
		{name: "objectType", kind: kString, required: true, forceNew: true, oneOf: grantObjectTypes},
		{name: "objects", kind: kSet, forceNew: true},
		{name: "columns", kind: kSet, forceNew: true},
		{name: "privileges", kind: kSet, required: true},
		{name: "withGrantOption", kind: kBool, def: false, forceNew: true},
	},
}

// PostgreSQL's privileges per object type (sql-grant.html); MAINTAIN on tables from 17.
var allowedPrivileges = map[string][]string{
	"database":             {"ALL", "CREATE", "CONNECT", "TEMPORARY"},
	"table":                {"ALL", "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"},
	"sequence":             {"ALL", "USAGE", "SELECT", "UPDATE"},
	"schema":               {"ALL", "CREATE", "USAGE"},
	"function":             {"ALL", "EXECUTE"},
	"procedure":            {"ALL", "EXECUTE"},
	"routine":              {"ALL", "EXECUTE"},
	"type":                 {"ALL", "USAGE"},
	"foreign_data_wrapper": {"ALL", "USAGE"},
	"foreign_server":       {"ALL", "USAGE"},
	"column":               {"ALL", "SELECT", "INSERT", "UPDATE", "REFERENCES"},
}

var relkinds = map[string]string{"table": "r", "sequence": "S"}

type grantResource struct{}

func (grantResource) spec() *resourceSpec { return grantSpec }

func privilegesFor(c *client, objectType string) []string {
	base := allowedPrivileges[objectType]
	if objectType == "table" && c.version.atLeast(17, 0) {
		return append(append([]string{}, base...), "MAINTAIN")
	}
	return base
}

// grantID is upstream's: role_database[_schema]_objectType[_objects...][_columns...].
func grantID(p props) string {
	parts := []string{p.str("role"), p.str("database")}
	ot := p.str("objectType")
	if ot != "database" && ot != "foreign_data_wrapper" && ot != "foreign_server" {
		parts = append(parts, p.str("schema"))
	}
	parts = append(parts, ot)
	for _, o := range sortedSet(p.strings("objects")) {
		parts = append(parts, o.(string))
	}
	for _, col := range sortedSet(p.strings("columns")) {
		parts = append(parts, col.(string))
	}
	return strings.Join(parts, "_")
}

func noSchemaType(ot string) bool {
	return ot == "database" || ot == "foreign_data_wrapper" || ot == "foreign_server"
}

func validateGrant(c *client, p props) error {
	ot := p.str("objectType")
	if ot == "procedure" || ot == "routine" {
		if !c.version.atLeast(11, 0) {
			return fmt.Errorf("feature is not supported: object type %s is not supported for this Postgres version (%d.%d)",
				strings.ToUpper(ot), c.version.major, c.version.minor)
		}
	}
	objects, columns, privileges := p.strings("objects"), p.strings("columns"), p.strings("privileges")
	switch {
	case p.str("schema") == "" && !noSchemaType(ot):
		return errors.New("parameter 'schema' is mandatory for postgresql_grant resource")
	case len(objects) > 0 && (ot == "database" || ot == "schema"):
		return errors.New("cannot specify `objects` when `object_type` is `database` or `schema`")
	case len(columns) > 0 && ot != "column":
		return errors.New("cannot specify `columns` when `object_type` is not `column`")
	case len(columns) == 0 && ot == "column":
		return errors.New("must specify `columns` when `object_type` is `column`")
	case len(privileges) != 1 && ot == "column":
		return errors.New("must specify exactly 1 `privileges` when `object_type` is `column`")
	case len(objects) != 1 && ot == "column":
		return errors.New("must specify exactly 1 table in the `objects` field when `object_type` is `column`")
	case len(objects) != 1 && (ot == "foreign_data_wrapper" || ot == "foreign_server"):
		return errors.New("one element must be specified in `objects` when `object_type` is `foreign_data_wrapper` or `foreign_server`")
	}
	allowed := privilegesFor(c, ot)
	if allowed == nil {
		return fmt.Errorf("unknown object type %s", ot)
	}
	for _, priv := range privileges {
		if !contains(allowed, priv) {
			return fmt.Errorf("%s is not an allowed privilege for object type %s", priv, ot)
		}
	}
	return nil
}

func qualified(schema string, objects []string) string {
	q := make([]string, 0, len(objects))
	for _, o := range sortedSet(objects) {
		q = append(q, ident(schema)+"."+quoteRoutine(o.(string)))
	}
	return strings.Join(q, ",")
}

// quoteRoutine quotes "f(text, int)" as "f"(text, int), so one overload can be named.
func quoteRoutine(s string) string {
	name, args, found := strings.Cut(s, "(")
	if !found {
		return ident(s)
	}
	return ident(name) + "(" + args
}

func grantQuery(p props) string {
	ot := p.str("objectType")
	privs := strings.Join(sortedStrings(p.strings("privileges")), ",")
	role := ident(p.str("role"))
	var q string
	switch ot {
	case "database":
		q = fmt.Sprintf("GRANT %s ON DATABASE %s TO %s", privs, ident(p.str("database")), role)
	case "schema":
		q = fmt.Sprintf("GRANT %s ON SCHEMA %s TO %s", privs, ident(p.str("schema")), role)
	case "foreign_data_wrapper":
		q = fmt.Sprintf("GRANT %s ON FOREIGN DATA WRAPPER %s TO %s", privs, ident(p.strings("objects")[0]), role)
	case "foreign_server":
		q = fmt.Sprintf("GRANT %s ON FOREIGN SERVER %s TO %s", privs, ident(p.strings("objects")[0]), role)
	case "column":
		q = fmt.Sprintf("GRANT %s (%s) ON TABLE %s TO %s", privs, identList(sortedStrings(p.strings("columns"))),
			qualified(p.str("schema"), p.strings("objects")), role)
	default:
		kw := strings.ToUpper(ot)
		if objects := p.strings("objects"); len(objects) > 0 {
			q = fmt.Sprintf("GRANT %s ON %s %s TO %s", privs, kw, qualified(p.str("schema"), objects), role)
		} else {
			q = fmt.Sprintf("GRANT %s ON ALL %sS IN SCHEMA %s TO %s", privs, kw, ident(p.str("schema")), role)
		}
	}
	if p.boolean("withGrantOption") {
		q += " WITH GRANT OPTION"
	}
	return q
}

// revokeQuery takes away what a grant described by p gave ("" when there is nothing to do).
func revokeQuery(p props) string {
	ot := p.str("objectType")
	role := ident(p.str("role"))
	privileges := sortedStrings(p.strings("privileges"))
	switch ot {
	case "database":
		return fmt.Sprintf("REVOKE ALL PRIVILEGES ON DATABASE %s FROM %s", ident(p.str("database")), role)
	case "schema":
		return fmt.Sprintf("REVOKE ALL PRIVILEGES ON SCHEMA %s FROM %s", ident(p.str("schema")), role)
	case "foreign_data_wrapper":
		return fmt.Sprintf("REVOKE ALL PRIVILEGES ON FOREIGN DATA WRAPPER %s FROM %s", ident(p.strings("objects")[0]), role)
	case "foreign_server":
		return fmt.Sprintf("REVOKE ALL PRIVILEGES ON FOREIGN SERVER %s FROM %s", ident(p.strings("objects")[0]), role)
	case "column":
		columns := p.strings("columns")
		if len(privileges) == 0 || len(columns) == 0 {
			return ""
		}
		return fmt.Sprintf("REVOKE %s (%s) ON TABLE %s FROM %s", strings.Join(privileges, ","),
			identList(sortedStrings(columns)), qualified(p.str("schema"), p.strings("objects")), role)
	}
	kw := strings.ToUpper(ot)
	if objects := p.strings("objects"); len(objects) > 0 {
		// Only the privileges this grant manages, so that column grants survive.
		if len(privileges) > 0 {
			return fmt.Sprintf("REVOKE %s ON %s %s FROM %s", strings.Join(privileges, ","), kw, qualified(p.str("schema"), objects), role)
		}
		return fmt.Sprintf("REVOKE ALL PRIVILEGES ON %s %s FROM %s", kw, qualified(p.str("schema"), objects), role)
	}
	return fmt.Sprintf("REVOKE ALL PRIVILEGES ON ALL %sS IN SCHEMA %s FROM %s", kw, ident(p.str("schema")), role)
}

func sortedStrings(ss []string) []string { return toStrings(sortedSet(ss)) }

// rolesToGrant are the owners a non-superuser admin must act as to change privileges on a
// schema's objects: the schema's owner and the owners of its tables.
func rolesToGrant(ctx context.Context, tx pgx.Tx, p props) ([]string, error) {
	ot := p.str("objectType")
	if noSchemaType(ot) {
		return nil, nil
	}
	schema := p.str("schema")
	var owners []string
	if ot != "schema" {
		var err error
		owners, err = queryStrings(ctx, tx, "SELECT DISTINCT tableowner::text FROM pg_tables WHERE schemaname = $1", schema)
		if err != nil {
			return nil, fmt.Errorf("error while looking for owners of tables in schema '%s': %w", schema, err)
		}
	}
	so, err := schemaOwner(ctx, tx, schema)
	if err != nil {
		return nil, err
	}
	if !contains(owners, so) {
		owners = append(owners, so)
	}
	for i, o := range owners {
		if o == "pg_database_owner" {
			if owners[i], err = databaseOwner(ctx, tx, ""); err != nil {
				return nil, err
			}
		}
	}
	return owners, nil
}

// apply revokes what prev granted and grants what p asks, in one transaction so the role never
// goes without its privileges in between.
func (r grantResource) apply(ctx context.Context, c *client, prev, p props) (string, props, error) {
	database := p.str("database")
	// The version is known once connected; validation needs it.
	err := c.inTx(ctx, database, func(tx pgx.Tx) error {
		if err := validateGrant(c, p); err != nil {
			return err
		}
		if err := lockRole(ctx, tx, p.str("role"), true); err != nil {
			return err
		}
		if p.str("objectType") == "database" {
			if err := lockDatabase(ctx, tx, database); err != nil {
				return err
			}
		}
		owners, err := rolesToGrant(ctx, tx, p)
		if err != nil {
			return err
		}
		return withRolesGranted(ctx, tx, owners, func() error {
			if q := revokeQuery(prev); q != "" {
				if _, err := tx.Exec(ctx, q); err != nil {
					return fmt.Errorf("could not execute revoke query: %w", err)
				}
			}
			if len(p.strings("privileges")) == 0 {
				return nil
			}
			_, err := tx.Exec(ctx, grantQuery(p))
			return err
		})
	})
	if err != nil {
		return "", nil, err
	}
	id := grantID(p)
	out, _, err := r.readPrivileges(ctx, c, p)
	if err != nil {
		return id, nil, err
	}
	return id, out, nil
}

func (r grantResource) create(ctx context.Context, c *client, plan props) (string, props, error) {
	return r.apply(ctx, c, plan, plan)
}

func (r grantResource) update(ctx context.Context, c *client, id string, old, plan props) (string, props, error) {
	// Only privileges can change in place; the revoke names the privileges held before.
	prev := plan.copy()
	prev["privileges"] = old["privileges"]
	return r.apply(ctx, c, prev, plan)
}

func (r grantResource) read(ctx context.Context, c *client, id string, prior props) (props, bool, error) {
	database, role, ot, schema := prior.str("database"), prior.str("role"), prior.str("objectType"), prior.str("schema")
	var found bool
	if err := c.withConn(ctx, "", func(conn *pgx.Conn) error {
		var err error
		found, err = dbExists(ctx, conn, database)
		return err
	}); err != nil || !found {
		return nil, false, err
	}
	if err := c.inTx(ctx, database, func(tx pgx.Tx) error {
		if role != "public" {
			ok, err := roleExists(ctx, tx, role)
			if err != nil || !ok {
				found = false
				return err
			}
		}
		if !noSchemaType(ot) && schema != "" {
			ok, err := schemaExists(ctx, tx, schema)
			if err != nil || !ok {
				found = false
				return err
			}
		}
		return nil
	}); err != nil || !found {
		return nil, false, err
	}
	return r.readPrivileges(ctx, c, prior)
}

// privilegesEqual accepts ALL for the full list of an object type's privileges.
func privilegesEqual(c *client, ot string, granted, wanted []string) bool {
	g, w := sortedStrings(granted), sortedStrings(wanted)
	if strings.Join(g, ",") == strings.Join(w, ",") {
		return true
	}
	if !contains(w, "ALL") {
		return false
	}
	var implicit []string
	for _, p := range privilegesFor(c, ot) {
		if p != "ALL" {
			implicit = append(implicit, p)
		}
	}
	return strings.Join(g, ",") == strings.Join(sortedStrings(implicit), ",")
}

// readPrivileges reports what the role holds: the wanted privileges when they match, what the
// ACL says otherwise (so that a diff follows). PUBLIC is grantee 0 in aclexplode.
func (grantResource) readPrivileges(ctx context.Context, c *client, p props) (props, bool, error) {
	database, role, ot, schema := p.str("database"), p.str("role"), p.str("objectType"), p.str("schema")
	wanted := p.strings("privileges")
	out := props{"privileges": sortedSet(wanted)}
	err := c.inTx(ctx, database, func(tx pgx.Tx) error {
		var oid uint32
		if role != "public" {
			if err := tx.QueryRow(ctx, "SELECT oid FROM pg_roles WHERE rolname = $1", role).Scan(&oid); err != nil {
				return fmt.Errorf("could not find oid for role %s: %w", role, err)
			}
		}
		single := func(sql string, args ...any) error {
			var privs []string
			if err := tx.QueryRow(ctx, sql, args...).Scan(&privs); err != nil {
				return fmt.Errorf("could not read privileges for %s: %w", ot, err)
			}
			if !privilegesEqual(c, ot, privs, wanted) {
				out["privileges"] = sortedSet(privs)
			}
			return nil
		}
		const agg = "SELECT COALESCE(array_agg(privilege_type::text), '{}') FROM (SELECT (aclexplode(%s)).* FROM %s WHERE %s=$1) AS privileges WHERE grantee = $2"
		objects := p.strings("objects")
		switch ot {
		case "database":
			return single(fmt.Sprintf(agg, "datacl", "pg_database", "datname"), database, oid)
		case "schema":
			return single(fmt.Sprintf(agg, "nspacl", "pg_namespace", "nspname"), schema, oid)
		case "foreign_data_wrapper":
			return single(fmt.Sprintf(agg, "fdwacl", "pg_catalog.pg_foreign_data_wrapper", "fdwname"), objects[0], oid)
		case "foreign_server":
			return single(fmt.Sprintf(agg, "srvacl", "pg_catalog.pg_foreign_server", "srvname"), objects[0], oid)
		case "column":
			return readColumnPrivileges(ctx, tx, p, out)
		}
		var rows pgx.Rows
		var err error
		if ot == "function" || ot == "procedure" || ot == "routine" {
			rows, err = tx.Query(ctx, `SELECT pg_proc.proname::text, COALESCE(array_remove(array_agg(privilege_type::text), NULL), '{}')
				FROM pg_proc JOIN pg_namespace ON pg_namespace.oid = pg_proc.pronamespace
				LEFT JOIN (SELECT acls.* FROM (SELECT proname, pronamespace, (aclexplode(proacl)).* FROM pg_proc) acls WHERE grantee = $1) privs
				USING (proname, pronamespace)
				WHERE nspname = $2 GROUP BY pg_proc.proname`, oid, schema)
		} else {
			rows, err = tx.Query(ctx, `SELECT pg_class.relname::text, COALESCE(array_remove(array_agg(privilege_type::text), NULL), '{}')
				FROM pg_class JOIN pg_namespace ON pg_namespace.oid = pg_class.relnamespace
				LEFT JOIN (SELECT acls.* FROM (SELECT relname, relnamespace, relkind, (aclexplode(relacl)).* FROM pg_class c) AS acls WHERE grantee = $1) privs
				USING (relname, relnamespace, relkind)
				WHERE nspname = $2 AND relkind = $3 GROUP BY pg_class.relname`, oid, schema, relkinds[ot])
		}
		if err != nil {
			return err
		}
		type objPrivs struct {
			name  string
			privs []string
		}
		all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (objPrivs, error) {
			var o objPrivs
			return o, r.Scan(&o.name, &o.privs)
		})
		if err != nil {
			return err
		}
		// Any object short of the wanted privileges is reported, which makes the next
		// update grant again.
		for _, o := range all {
			if len(objects) > 0 && !contains(objects, o.name) {
				continue
			}
			if !privilegesEqual(c, ot, o.privs, wanted) {
				out["privileges"] = sortedSet(o.privs)
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// readColumnPrivileges drops from columns those the role lacks the privilege on, so that a
// diff follows, as upstream does.
func readColumnPrivileges(ctx context.Context, tx pgx.Tx, p props, out props) error {
	objects, columns, privileges := p.strings("objects"), p.strings("columns"), p.strings("privileges")
	if len(objects) == 0 || len(privileges) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT attname::text, array_agg(privilege_type::text)
		FROM (SELECT relname, attname, (aclexplode(attacl)).* FROM pg_class
			JOIN pg_namespace ON pg_class.relnamespace = pg_namespace.oid
			JOIN pg_attribute ON pg_class.oid = attrelid
			WHERE nspname = $2 AND relname = $3 AND relkind = 'r') AS col_privs
		JOIN pg_roles ON pg_roles.oid = col_privs.grantee
		WHERE rolname = $1 AND privilege_type = $4
		GROUP BY col_privs.relname, col_privs.attname, col_privs.privilege_type
		ORDER BY col_privs.attname`, p.str("role"), p.str("schema"), objects[0], privileges[0])
	if err != nil {
		return err
	}
	type colPrivs struct {
		name  string
		privs []string
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (colPrivs, error) {
		var c colPrivs
		return c, r.Scan(&c.name, &c.privs)
	})
	if err != nil {
		return err
	}
	present := map[string]bool{}
	for _, col := range all {
		present[col.name] = true
		if strings.Join(sortedStrings(col.privs), ",") != strings.Join(sortedStrings(privileges), ",") {
			out["privileges"] = sortedSet(col.privs)
			break
		}
	}
	var kept []string
	for _, col := range columns {
		if present[col] {
			kept = append(kept, col)
		}
	}
	if len(kept) != len(columns) {
		out["columns"] = sortedSet(kept)
	}
	return nil
}

// delete revokes everything the grant's object type allows; for PUBLIC's revoked database
// privileges there is nothing to restore, so PUBLIC stays without them.
func (grantResource) delete(ctx context.Context, c *client, id string, state props) error {
	database := state.str("database")
	return c.inTx(ctx, database, func(tx pgx.Tx) error {
		if err := lockRole(ctx, tx, state.str("role"), true); err != nil {
			return err
		}
		if state.str("objectType") == "database" {
			if err := lockDatabase(ctx, tx, database); err != nil {
				return err
			}
		}
		owners, err := rolesToGrant(ctx, tx, state)
		if err != nil {
			return err
		}
		return withRolesGranted(ctx, tx, owners, func() error {
			if q := revokeQuery(state); q != "" {
				if _, err := tx.Exec(ctx, q); err != nil {
					return fmt.Errorf("could not execute revoke query: %w", err)
				}
			}
			return nil
		})
	})
}

func (grantResource) importState(id string) (props, error) {
	return nil, errors.New("resource postgresql:index/grant:Grant does not support import")
}
