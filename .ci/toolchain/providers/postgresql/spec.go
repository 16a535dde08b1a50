package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"sort"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

type kind int

const (
	kString kind = iota
	kBool
	kInt
	kList      // TypeList of strings: order matters
	kSet       // TypeSet of strings: order does not
	kObjectSet // TypeSet of objects (schema policies)
	kObject    // MaxItems=1 block, projected as an object (provider clientcert)
)

// prop mirrors one attribute of the Terraform schema, under its Pulumi name.
type prop struct {
	name       string
	kind       kind
	def        any // Terraform schema default
	computed   bool
	forceNew   bool
	secret     bool
	required   bool
	writeOnly  bool
	deprecated string
	autoname   bool
	min        *int
	oneOf      []string
	fields     []prop // for kObjectSet and kObject
	objectType string // schema token of the element type
}

func atLeast(n int) *int { return &n }

type resourceSpec struct {
	token               string
	props               []prop
	deleteBeforeReplace bool
}

func (s *resourceSpec) prop(name string) *prop {
	for i := range s.props {
		if s.props[i].name == name {
			return &s.props[i]
		}
	}
	return nil
}

// falsy defaults are not written into checked inputs: the bridge (since v3.127) leaves them
// out so that Terraform sees the attribute as omitted.
func isFalsy(v any) bool {
	switch x := v.(type) {
	case bool:
		return !x
	case float64:
		return x == 0
	case int:
		return x == 0
	case string:
		return x == ""
	}
	return v == nil
}

func zeroOf(k kind) any {
	switch k {
	case kString:
		return ""
	case kBool:
		return false
	case kInt:
		return 0.0
	case kList, kSet, kObjectSet:
		return []any{}
	}
	return nil
}

type checkFailure struct{ property, reason string }

// checkInputs applies defaults the way the bridge's Check does and validates what Terraform's
// ValidateResource would. Returns the checked inputs (with __defaults) and any failures.
func checkInputs(spec *resourceSpec, urn string, olds, news props, seed []byte,
	autonaming *pulumirpc.CheckRequest_AutonamingOptions,
) (props, []checkFailure) {
	in := props{}
	for k, v := range news {
		if v != nil && k != defaultsKey {
			in[k] = v
		}
	}
	var oldDefaults map[string]bool
	if d, ok := olds[defaultsKey]; ok {
		oldDefaults = map[string]bool{}
		for _, k := range toStrings(d) {
			oldDefaults[k] = true
		}
	}
	useOld := func(k string) (any, bool) {
		v, ok := olds[k]
		if !ok || v == nil {
			return nil, false
		}
		if oldDefaults != nil && !oldDefaults[k] {
			return nil, false
		}
		return v, true
	}
	var failures []checkFailure
	defaults := []string{}
	for _, p := range spec.props {
		if _, has := in[p.name]; has {
			continue
		}
		switch {
		case p.autoname:
			if v, ok := useOld(p.name); ok {
				in[p.name] = v
			} else {
				name, err := autoName(urn, seed, autonaming)
				if err != nil {
					failures = append(failures, checkFailure{p.name, err.Error()})
					continue
				}
				in[p.name] = name
			}
			defaults = append(defaults, p.name)
		case p.def != nil && !isFalsy(p.def) && p.deprecated == "":
			if v, ok := useOld(p.name); ok {
				in[p.name] = v
			} else {
				in[p.name] = p.def
			}
			defaults = append(defaults, p.name)
		}
	}
	sort.Strings(defaults)
	in[defaultsKey] = stringList(defaults)
	failures = append(failures, validate(spec.props, in, "")...)
	return in, failures
}

func validate(specProps []prop, in props, prefix string) []checkFailure {
	var failures []checkFailure
	fail := func(p prop, format string, args ...any) {
		failures = append(failures, checkFailure{prefix + p.name, fmt.Sprintf(format, args...)})
	}
	for _, p := range specProps {
		v, has := in[p.name]
		if !has || v == nil {
			if p.required {
				fail(p, "Missing required property '%s'", prefix+p.name)
			}
			continue
		}
		if containsUnknown(v) {
			continue
		}
		switch p.kind {
		case kString:
			s, ok := v.(string)
			if !ok {
				fail(p, "%s must be a string, got %T", prefix+p.name, v)
				continue
			}
			if len(p.oneOf) > 0 && !contains(p.oneOf, s) {
				fail(p, "expected %s to be one of %q, got %s", prefix+p.name, p.oneOf, s)
			}
		case kBool:
			if _, ok := v.(bool); !ok {
				if s, isStr := v.(string); !isStr || (s != "true" && s != "false") {
					fail(p, "%s must be a boolean, got %v", prefix+p.name, v)
				}
			}
		case kInt:
			n, ok := toInt(v)
			if !ok {
				fail(p, "%s must be an integer, got %v", prefix+p.name, v)
				continue
			}
			if p.min != nil && n < *p.min {
				fail(p, "expected %s to be at least (%d), got %d", prefix+p.name, *p.min, n)
			}
		case kList, kSet:
			l, ok := v.([]any)
			if !ok {
				fail(p, "%s must be a list of strings, got %T", prefix+p.name, v)
				continue
			}
			for i, e := range l {
				if _, ok := e.(string); !ok {
					fail(p, "%s[%d] must be a string, got %T", prefix+p.name, i, e)
				}
			}
		case kObjectSet:
			l, ok := v.([]any)
			if !ok {
				fail(p, "%s must be a list of objects, got %T", prefix+p.name, v)
				continue
			}
			for i, e := range l {
				m, ok := e.(map[string]any)
				if !ok {
					fail(p, "%s[%d] must be an object, got %T", prefix+p.name, i, e)
					continue
				}
				failures = append(failures, validate(p.fields, m, fmt.Sprintf("%s%s[%d].", prefix, p.name, i))...)
			}
		case kObject:
			m, ok := v.(map[string]any)
			if !ok {
				fail(p, "%s must be an object, got %T", prefix+p.name, v)
				continue
			}
			failures = append(failures, validate(p.fields, m, prefix+p.name+".")...)
		}
	}
	return failures
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// autoName follows the bridge's SetAutonaming(255, "-"): the resource's name, a dash and seven
// hex characters derived from the engine's random seed (stable across previews and updates).
func autoName(urn string, seed []byte, opts *pulumirpc.CheckRequest_AutonamingOptions) (string, error) {
	if opts != nil {
		switch opts.GetMode() {
		case pulumirpc.CheckRequest_AutonamingOptions_ENFORCE:
			return opts.GetProposedName(), nil
		case pulumirpc.CheckRequest_AutonamingOptions_DISABLE:
			return "", fmt.Errorf("automatic naming is disabled but no explicit name was provided")
		default:
			if len(opts.GetProposedName()) > 255 {
				return "", fmt.Errorf("calculated name '%s' exceeds maximum length of 255", opts.GetProposedName())
			}
			return opts.GetProposedName(), nil
		}
	}
	name := urn
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		name = urn[i+2:]
	}
	if len(name)+1+7 > 255 {
		return "", fmt.Errorf("name '%s-' plus 7 random chars is longer than maximum length 255", name)
	}
	var sum []byte
	if len(seed) == 0 {
		sum = make([]byte, 4)
		_, _ = rand.Read(sum)
	} else {
		h := sha256.Sum256(seed)
		sum = h[:]
	}
	return name + "-" + hex.EncodeToString(sum)[:7], nil
}

// normalize brings a value to the form Terraform compares: null is the zero value, sets are
// sorted, numbers are float64.
func normalize(p prop, v any) any {
	if v == nil {
		return zeroOf(p.kind)
	}
	switch p.kind {
	case kInt:
		if n, ok := toInt(v); ok {
			return float64(n)
		}
	case kBool:
		if s, ok := v.(string); ok {
			return s == "true"
		}
	case kSet:
		return sortedSet(toStrings(v))
	case kObjectSet:
		l, _ := v.([]any)
		keys := make([]string, 0, len(l))
		for _, e := range l {
			m, _ := e.(map[string]any)
			norm := map[string]any{}
			for _, f := range p.fields {
				norm[f.name] = normalize(f, m[f.name])
			}
			keys = append(keys, fmt.Sprintf("%v", norm))
		}
		sort.Strings(keys)
		return keys
	}
	return v
}

func equalProp(p prop, a, b any) bool {
	return reflect.DeepEqual(normalize(p, a), normalize(p, b))
}

type propChange struct {
	name    string
	kind    pulumirpc.PropertyDiff_Kind
	replace bool
}

// diffProps compares the prior state with checked inputs as Terraform's plan would: an
// Optional+Computed attribute left out keeps its value, write-only attributes never diff,
// an unknown value is a change.
func diffProps(spec *resourceSpec, olds, news props, ignore map[string]bool) []propChange {
	var changes []propChange
	for _, p := range spec.props {
		if p.writeOnly || ignore[p.name] {
			continue
		}
		nv, has := news[p.name]
		if !has || nv == nil {
			if p.computed {
				continue
			}
			if p.def != nil {
				nv = p.def
			}
		}
		ov := olds[p.name]
		if !containsUnknown(nv) && equalProp(p, ov, nv) {
			continue
		}
		k := pulumirpc.PropertyDiff_UPDATE
		switch {
		case containsUnknown(nv):
		case equalProp(p, ov, nil):
			k = pulumirpc.PropertyDiff_ADD
		case equalProp(p, nv, nil):
			k = pulumirpc.PropertyDiff_DELETE
		}
		if p.forceNew {
			k++ // each *_REPLACE kind follows its plain kind
		}
		changes = append(changes, propChange{p.name, k, p.forceNew})
	}
	return changes
}

// planned is the value set an operation works with: the checked inputs, with every default
// applied and, on update, Optional+Computed attributes the program left out taken from state.
func planned(spec *resourceSpec, inputs, state props) props {
	out := props{}
	for _, p := range spec.props {
		v, has := inputs[p.name]
		switch {
		case has && v != nil:
			out[p.name] = v
		case p.computed && state != nil:
			out[p.name] = state[p.name]
		case p.def != nil:
			out[p.name] = p.def
		default:
			out[p.name] = nil
		}
	}
	return out
}

// finish assembles outputs the way the bridge reports Terraform state: what the read found,
// otherwise the planned value; an empty collection the program never set stays null.
func finish(spec *resourceSpec, id string, read, plan props) props {
	out := props{"id": id}
	for _, p := range spec.props {
		v, ok := read[p.name]
		if !ok {
			v = plan[p.name]
		}
		if p.writeOnly {
			v = nil
		}
		if (p.kind == kList || p.kind == kSet || p.kind == kObjectSet) && plan[p.name] == nil {
			if l, isList := v.([]any); isList && len(l) == 0 {
				v = nil
			}
		}
		out[p.name] = v
	}
	return out
}

// previewOutputs is what a create or update will most likely yield, for a preview: planned
// values, and unknowns where the server decides.
func previewOutputs(spec *resourceSpec, id any, plan props) props {
	out := props{"id": id}
	for _, p := range spec.props {
		v := plan[p.name]
		if v == nil && p.computed {
			v = unknown
		}
		if p.writeOnly {
			v = nil
		}
		out[p.name] = v
	}
	return out
}

func secretKeys(spec *resourceSpec) map[string]bool {
	s := map[string]bool{}
	for _, p := range spec.props {
		if p.secret {
			s[p.name] = true
		}
	}
	return s
}

// hasChange tells an update step whether an attribute moved between state and plan.
func hasChange(spec *resourceSpec, old, plan props, name string) bool {
	p := spec.prop(name)
	return !equalProp(*p, old[name], plan[name])
}
