package main

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// postgresql_role of terraform-provider-postgresql 1.26: nothing forces a replacement.
var roleSpec = &resourceSpec{
	token: "postgresql:index/role:Role",
	props: []prop{
		{name: "name", kind: kString, required: true, autoname: true},
		{name: "password", kind: kString, secret: true},
		{name: "passwordWo", kind: kString, secret: true, writeOnly: true},
		{name: "passwordWoVersion", kind: kString},
		{name: "encrypted", kind: kString, deprecated: `Rename PostgreSQL role resource attribute "encrypted" to "encryptedPassword"`},
		{name: "roles", kind: kSet},
		{name: "searchPaths", kind: kList},
		{name: "encryptedPassword", kind: kBool, def: true},
		{name: "validUntil", kind: kString, def: "infinity"},
		{name: "connectionLimit", kind: kInt, def: -1.0, min: atLeast(-1)},
		{name: "superuser", kind: kBool, def: false},
		{name: "createDatabase", kind: kBool, def: false},
		{name: "createRole", kind: kBool, def: false},
		{name: "idleInTransactionSessionTimeout", kind: kInt, min: atLeast(0)},
		{name: "inherit", kind: kBool, def: true},
		{name: "login", kind: kBool, def: false},
		{name: "replication", kind: kBool, def: false},
		{name: "bypassRowLevelSecurity", kind: kBool, def: false},
		{name: "skipDropRole", kind: kBool, def: false},
		{name: "skipReassignOwned", kind: kBool, def: false},
		{name: "statementTimeout", kind: kInt, min: atLeast(0)},
		{name: "assumeRole", kind: kString},
	},
}

type roleResource struct{}

func (roleResource) spec() *resourceSpec { return roleSpec }

// extraCheck holds Terraform's ConflictsWith and RequiredWith rules of the password fields.
func (roleResource) extraCheck(in props) []checkFailure {
	var f []checkFailure
	set := func(k string) bool { v, ok := in[k]; return ok && v != nil }
	if set("password") && set("passwordWo") {
		f = append(f, checkFailure{"password", `"password": conflicts with passwordWo`})
	}
	if set("password") && set("passwordWoVersion") {
		f = append(f, checkFailure{"password", `"password": conflicts with passwordWoVersion`})
	}
	if set("passwordWo") != set("passwordWoVersion") {
		f = append(f, checkFailure{"passwordWo", `"passwordWo": all of passwordWo,passwordWoVersion must be specified`})
	}
	return f
}

func (r roleResource) create(ctx context.Context, c *client, plan props) (string, props, error) {
	name := plan.str("name")
	var opts []string
	password := plan.str("password")
	if password == "" {
		password = plan.str("passwordWo")
	}
	if password != "" {
		if strings.ToUpper(password) == "NULL" {
			opts = append(opts, "PASSWORD NULL")
		} else {
			if plan.boolean("encryptedPassword") {
				opts = append(opts, "ENCRYPTED")
			} else {
				opts = append(opts, "UNENCRYPTED")
			}
			opts = append(opts, "PASSWORD "+literal(password))
		}
	}
	if vu := plan.str("validUntil"); vu != "" {
		if strings.ToLower(vu) == "infinity" {
			vu = "infinity"
		}
		opts = append(opts, "VALID UNTIL "+literal(vu))
	}
	opts = append(opts, fmt.Sprintf("CONNECTION LIMIT %d", plan.integer("connectionLimit")))
	flag := func(k, on, off string) {
		if plan.boolean(k) {
			opts = append(opts, on)
		} else {
			opts = append(opts, off)
		}
	}
	flag("superuser", "SUPERUSER", "NOSUPERUSER")
	flag("createDatabase", "CREATEDB", "NOCREATEDB")
	flag("createRole", "CREATEROLE", "NOCREATEROLE")
	flag("inherit", "INHERIT", "NOINHERIT")
	flag("login", "LOGIN", "NOLOGIN")
	err := c.inTx(ctx, "", func(tx pgx.Tx) error {
		v := c.version
		if v.atLeast(9, 5) {
			flag("bypassRowLevelSecurity", "BYPASSRLS", "NOBYPASSRLS")
		}
		if v.atLeast(9, 1) {
			flag("replication", "REPLICATION", "NOREPLICATION")
		}
		sql := "CREATE ROLE " + ident(name) + " WITH " + strings.Join(opts, " ")
		if _, err := tx.Exec(ctx, sql); err != nil {
			return fmt.Errorf("error creating role %s: %w", name, err)
		}
		if err := grantRoles(ctx, tx, name, plan.strings("roles")); err != nil {
			return err
		}
		if err := alterSearchPath(ctx, tx, name, plan.strings("searchPaths")); err != nil {
			return err
		}
		empty := props{}
		if err := setRoleSetting(ctx, tx, name, "statement_timeout", empty, plan, "statementTimeout"); err != nil {
			return err
		}
		if err := setRoleSetting(ctx, tx, name, "idle_in_transaction_session_timeout", empty, plan, "idleInTransactionSessionTimeout"); err != nil {
			return err
		}
		return setAssumeRole(ctx, tx, name, empty, plan)
	})
	if err != nil {
		return "", nil, err
	}
	out, found, err := r.read(ctx, c, name, plan)
	if err != nil {
		return name, nil, err
	}
	if !found {
		return name, nil, fmt.Errorf("role %s vanished right after its creation", name)
	}
	return name, out, nil
}

func grantRoles(ctx context.Context, q querier, role string, roles []string) error {
	for _, g := range sortedSet(roles) {
		if _, err := q.Exec(ctx, fmt.Sprintf("GRANT %s TO %s", ident(g.(string)), ident(role))); err != nil {
			return fmt.Errorf("could not grant role %s to %s: %w", g, role, err)
		}
	}
	return nil
}

func revokeRoles(ctx context.Context, q querier, role string) error {
	granted, err := queryStrings(ctx, q, `SELECT pg_get_userbyid(roleid)
		FROM pg_catalog.pg_auth_members members
		JOIN pg_catalog.pg_roles ON members.member = pg_roles.oid
		WHERE rolname = $1`, role)
	if err != nil {
		return fmt.Errorf("could not get roles list for role %s: %w", role, err)
	}
	for _, g := range granted {
		if _, err := q.Exec(ctx, fmt.Sprintf("REVOKE %s FROM %s", ident(g), ident(role))); err != nil {
			return fmt.Errorf("could not revoke role %s from %s: %w", g, role, err)
		}
	}
	return nil
}

func alterSearchPath(ctx context.Context, q querier, role string, path []string) error {
	value := "DEFAULT"
	if len(path) > 0 {
		quoted := make([]string, len(path))
		for i, p := range path {
			if strings.Contains(p, ", ") {
				return fmt.Errorf("search_path cannot contain `, `: %v", p)
			}
			quoted[i] = ident(p)
		}
		value = strings.Join(quoted, ", ")
	}
	if _, err := q.Exec(ctx, fmt.Sprintf("ALTER ROLE %s SET search_path TO %s", ident(role), value)); err != nil {
		return fmt.Errorf("could not set search_path %s for %s: %w", value, role, err)
	}
	return nil
}

// setRoleSetting sets (or, for 0, resets) an integer role setting when it changed.
func setRoleSetting(ctx context.Context, q querier, role, setting string, old, plan props, key string) error {
	if old.integer(key) == plan.integer(key) {
		return nil
	}
	n := plan.integer(key)
	sql := fmt.Sprintf("ALTER ROLE %s RESET %s", ident(role), setting)
	if n != 0 {
		sql = fmt.Sprintf("ALTER ROLE %s SET %s TO %d", ident(role), setting, n)
	}
	if _, err := q.Exec(ctx, sql); err != nil {
		return fmt.Errorf("could not set %s %d for %s: %w", setting, n, role, err)
	}
	return nil
}

func setAssumeRole(ctx context.Context, q querier, role string, old, plan props) error {
	if old.str("assumeRole") == plan.str("assumeRole") {
		return nil
	}
	sql := fmt.Sprintf("ALTER ROLE %s RESET ROLE", ident(role))
	if a := plan.str("assumeRole"); a != "" {
		sql = fmt.Sprintf("ALTER ROLE %s SET ROLE TO %s", ident(role), ident(a))
	}
	if _, err := q.Exec(ctx, sql); err != nil {
		return fmt.Errorf("could not set role for %s: %w", role, err)
	}
	return nil
}

// read returns the role as upstream's Read sets it; prior supplies what only the state knows
// (the password as written, the skip* flags).
func (roleResource) read(ctx context.Context, c *client, id string, prior props) (props, bool, error) {
	var (
		memberOf                                                  []string
		name, validUntil                                          string
		super, inherit, createRole, createDB, login, repl, bypass bool
		connLimit                                                 int32
		config                                                    []string
	)
	var out props
	err := c.withConn(ctx, "", func(conn *pgx.Conn) error {
		cols := "rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolconnlimit, " +
			"COALESCE(rolvaliduntil::TEXT, 'infinity'), COALESCE(rolconfig, '{}'::text[])"
		dest := []any{&memberOf, &name, &super, &inherit, &createRole, &createDB, &login, &connLimit, &validUntil, &config}
		if c.version.atLeast(9, 1) {
			cols += ", rolreplication"
			dest = append(dest, &repl)
		}
		if c.version.atLeast(9, 5) {
			cols += ", rolbypassrls"
			dest = append(dest, &bypass)
		}
		err := conn.QueryRow(ctx, `SELECT ARRAY(
				SELECT pg_get_userbyid(roleid)::text FROM pg_catalog.pg_auth_members members WHERE member = pg_roles.oid
			), `+cols+` FROM pg_catalog.pg_roles WHERE rolname=$1`, id).Scan(dest...)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("error reading ROLE: %w", err)
		}
		statementTimeout, err := roleConfigInt(config, "statement_timeout")
		if err != nil {
			return err
		}
		idleTimeout, err := roleConfigInt(config, "idle_in_transaction_session_timeout")
		if err != nil {
			return err
		}
		var searchPath any
		if sp := readSearchPath(config); sp != nil {
			searchPath = stringList(sp)
		} else {
			searchPath = []any{}
		}
		out = props{
			"name":                            name,
			"connectionLimit":                 float64(connLimit),
			"createDatabase":                  createDB,
			"createRole":                      createRole,
			"encryptedPassword":               true,
			"inherit":                         inherit,
			"login":                           login,
			"skipDropRole":                    prior.boolean("skipDropRole"),
			"skipReassignOwned":               prior.boolean("skipReassignOwned"),
			"superuser":                       super,
			"validUntil":                      validUntil,
			"replication":                     repl,
			"bypassRowLevelSecurity":          bypass,
			"roles":                           sortedSet(memberOf),
			"searchPaths":                     searchPath,
			"assumeRole":                      readAssumeRole(config),
			"statementTimeout":                float64(statementTimeout),
			"idleInTransactionSessionTimeout": float64(idleTimeout),
		}
		if pw := prior.str("password"); pw != "" {
			p, err := readRolePassword(ctx, c, conn, id, pw, login)
			if err != nil {
				return err
			}
			out["password"] = p
		}
		return nil
	})
	if err != nil || out == nil {
		return nil, false, err
	}
	return out, true, nil
}

func readSearchPath(config []string) []string {
	for _, c := range config {
		if strings.HasPrefix(c, "search_path") {
			parts := strings.Split(strings.TrimPrefix(c, "search_path="), ", ")
			for i := range parts {
				parts[i] = strings.Trim(parts[i], `"`)
			}
			return parts
		}
	}
	return nil
}

func roleConfigInt(config []string, setting string) (int, error) {
	for _, c := range config {
		if strings.HasPrefix(c, setting) {
			v := strings.Split(strings.TrimPrefix(c, setting+"="), ", ")[0]
			n, err := strconv.Atoi(v)
			if err != nil {
				return -1, fmt.Errorf("error reading %s: %w", setting, err)
			}
			return n, nil
		}
	}
	return 0, nil
}

func readAssumeRole(config []string) string {
	res := ""
	for _, c := range config {
		if strings.HasPrefix(c, "role") {
			res = strings.TrimPrefix(c, "role=")
		}
	}
	return res
}

// readRolePassword keeps the password of the state unless the server proves it differs: only
// a superuser can read pg_shadow, and a SCRAM verifier cannot be compared, so then the state
// wins (upstream does the same); an md5 hash is compared, a missing password shows as "".
func readRolePassword(ctx context.Context, c *client, q querier, role, statePassword string, canLogin bool) (string, error) {
	if !canLogin || !c.cfg.superuser {
		return statePassword, nil
	}
	su, err := currentIsSuperuser(ctx, q)
	if err != nil {
		return "", err
	}
	if !su {
		return "", fmt.Errorf("could not read role password from Postgres as connected user %s is not a SUPERUSER. "+
			"You can set `superuser = false` in the provider configuration so it will not try to read the password from Postgres",
			c.cfg.currentUser())
	}
	var stored string
	err = q.QueryRow(ctx, "SELECT COALESCE(passwd, '') FROM pg_catalog.pg_shadow AS s WHERE s.usename = $1", role).Scan(&stored)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("error reading role: %w", err)
	}
	if statePassword != "" && !strings.HasPrefix(statePassword, "md5") && !strings.HasPrefix(statePassword, "SCRAM-SHA-256") {
		if strings.HasPrefix(stored, "md5") {
			sum := md5.Sum([]byte(statePassword + role))
			if "md5"+hex.EncodeToString(sum[:]) == stored {
				return statePassword, nil
			}
		}
		if strings.HasPrefix(stored, "SCRAM-SHA-256") {
			return statePassword, nil
		}
	}
	return stored, nil
}

func (r roleResource) update(ctx context.Context, c *client, id string, old, plan props) (string, props, error) {
	oldName, name := old.str("name"), plan.str("name")
	changed := func(k string) bool { return hasChange(roleSpec, old, plan, k) }
	err := c.inTx(ctx, "", func(tx pgx.Tx) error {
		if err := lockRole(ctx, tx, oldName, true); err != nil {
			return err
		}
		if changed("name") {
			if name == "" {
				return errors.New("error setting role name to an empty string")
			}
			if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER ROLE %s RENAME TO %s", ident(oldName), ident(name))); err != nil {
				return fmt.Errorf("error updating role NAME: %w", err)
			}
		}
		if err := setRolePassword(ctx, tx, old, plan, changed); err != nil {
			return err
		}
		alter := func(k, on, off, what string) error {
			if !changed(k) {
				return nil
			}
			tok := off
			if plan.boolean(k) {
				tok = on
			}
			if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER ROLE %s WITH %s", ident(name), tok)); err != nil {
				return fmt.Errorf("error updating role %s: %w", what, err)
			}
			return nil
		}
		if changed("bypassRowLevelSecurity") && !c.version.atLeast(9, 5) {
			return fmt.Errorf("PostgreSQL client is talking with a server (%d.%d) that does not support PostgreSQL Row-Level Security",
				c.version.major, c.version.minor)
		}
		if err := alter("bypassRowLevelSecurity", "BYPASSRLS", "NOBYPASSRLS", "BYPASSRLS"); err != nil {
			return err
		}
		if changed("connectionLimit") {
			if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER ROLE %s CONNECTION LIMIT %d", ident(name), plan.integer("connectionLimit"))); err != nil {
				return fmt.Errorf("error updating role CONNECTION LIMIT: %w", err)
			}
		}
		for _, a := range [][4]string{
			{"createDatabase", "CREATEDB", "NOCREATEDB", "CREATEDB"},
			{"createRole", "CREATEROLE", "NOCREATEROLE", "CREATEROLE"},
			{"inherit", "INHERIT", "NOINHERIT", "INHERIT"},
			{"login", "LOGIN", "NOLOGIN", "LOGIN"},
			{"replication", "REPLICATION", "NOREPLICATION", "REPLICATION"},
			{"superuser", "SUPERUSER", "NOSUPERUSER", "SUPERUSER"},
		} {
			if err := alter(a[0], a[1], a[2], a[3]); err != nil {
				return err
			}
		}
		if changed("validUntil") {
			if vu := plan.str("validUntil"); vu != "" {
				if strings.ToLower(vu) == "infinity" {
					vu = "infinity"
				}
				if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER ROLE %s VALID UNTIL %s", ident(name), literal(vu))); err != nil {
					return fmt.Errorf("error updating role VALID UNTIL: %w", err)
				}
			}
		}
		// Memberships are rebuilt whole, as upstream does: revoke every one, grant the wanted.
		if err := revokeRoles(ctx, tx, name); err != nil {
			return err
		}
		if err := grantRoles(ctx, tx, name, plan.strings("roles")); err != nil {
			return err
		}
		if err := alterSearchPath(ctx, tx, name, plan.strings("searchPaths")); err != nil {
			return err
		}
		if err := setRoleSetting(ctx, tx, name, "statement_timeout", old, plan, "statementTimeout"); err != nil {
			return err
		}
		if err := setRoleSetting(ctx, tx, name, "idle_in_transaction_session_timeout", old, plan, "idleInTransactionSessionTimeout"); err != nil {
			return err
		}
		return setAssumeRole(ctx, tx, name, old, plan)
	})
	if err != nil {
		return id, nil, err
	}
	// A write-only password leaves no password in the state.
	readPlan := plan
	if plan.str("passwordWo") != "" {
		readPlan = plan.copy()
		readPlan["password"] = nil
	}
	out, found, err := r.read(ctx, c, name, readPlan)
	if err != nil {
		return name, nil, err
	}
	if !found {
		return name, nil, fmt.Errorf("role %s vanished during its update", name)
	}
	return name, out, nil
}

func setRolePassword(ctx context.Context, tx pgx.Tx, old, plan props, changed func(string) bool) error {
	var password string
	if wo := plan.str("passwordWo"); wo != "" {
		if !changed("passwordWoVersion") {
			return nil
		}
		password = wo
	} else {
		// The name salts an md5 password, so a rename sets the password again.
		if !changed("password") && !changed("name") {
			return nil
		}
		if password = plan.str("password"); password == "" {
			return nil
		}
	}
	sql := fmt.Sprintf("ALTER ROLE %s PASSWORD %s", ident(plan.str("name")), literal(password))
	if _, err := tx.Exec(ctx, sql); err != nil {
		return fmt.Errorf("error updating role password: %w", err)
	}
	return nil
}

func (roleResource) delete(ctx context.Context, c *client, id string, state props) error {
	name := state.str("name")
	if name == "" {
		name = id
	}
	return c.inTx(ctx, "", func(tx pgx.Tx) error {
		if err := lockRole(ctx, tx, name, true); err != nil {
			return err
		}
		if !state.boolean("skipReassignOwned") {
			err := withRolesGranted(ctx, tx, []string{name}, func() error {
				me := c.cfg.currentUser()
				if _, err := tx.Exec(ctx, fmt.Sprintf("REASSIGN OWNED BY %s TO %s", ident(name), ident(me))); err != nil {
					return fmt.Errorf("could not reassign owned by role %s to %s: %w", name, me, err)
				}
				if _, err := tx.Exec(ctx, fmt.Sprintf("DROP OWNED BY %s", ident(name))); err != nil {
					return fmt.Errorf("could not drop owned by role %s: %w", name, err)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		if !state.boolean("skipDropRole") {
			if _, err := tx.Exec(ctx, "DROP ROLE "+ident(name)); err != nil {
				return fmt.Errorf("could not delete role %s: %w", name, err)
			}
		}
		return nil
	})
}

func (r roleResource) importState(id string) (props, error) { return props{"name": id}, nil }
