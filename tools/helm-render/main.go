// helm-render renders a Helm chart's templates the way `helm template` does, for the checks of
// scripts/check-deploy.sh on machines without Helm (Debian does not package it). It uses the engine
// Helm itself uses, Go's text/template, with Helm's top-level objects (.Values, .Release, .Chart,
// .Capabilities, .Template), Helm's `missingkey=zero` and "<no value>" handling, values files
// merged over the chart's values.yaml as Helm merges them, and the Helm/Sprig functions the Arena
// chart uses (an unknown function is a parse error, so a chart that starts using another one fails
// here until it is added). `lookup` finds nothing, as in `helm template`.
//
//	helm-render [-f values.yaml]... [--release NAME] [--namespace NS] [--notes] CHART_DIR
//
// Prints the manifests as one YAML stream (each document after `---` and a `# Source:` line),
// or with --notes the rendered NOTES.txt. Fails on a template error or a document that is not YAML.
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"gopkg.in/yaml.v3"
)

type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

func main() {
	var files valueFiles
	flag.Var(&files, "f", "a values file merged over the chart's values.yaml (repeatable; later ones win)")
	release := flag.String("release", "arena", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	notes := flag.Bool("notes", false, "print the rendered NOTES.txt instead of the manifests")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: helm-render [-f values.yaml]... [--release NAME] [--namespace NS] [--notes] CHART_DIR")
		os.Exit(2)
	}
	out, err := render(flag.Arg(0), files, *release, *namespace, *notes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helm-render:", err)
		os.Exit(1)
	}
	fmt.Print(out)
}

func readYAMLMap(path string) (map[string]interface{}, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return normalize(m).(map[string]interface{}), nil
}

// normalize makes numbers float64 (Helm reads values through JSON) and keeps maps string-keyed.
func normalize(v interface{}) interface{} {
	switch x := v.(type) {
	case map[string]interface{}:
		for k, e := range x {
			x[k] = normalize(e)
		}
		return x
	case []interface{}:
		for i, e := range x {
			x[i] = normalize(e)
		}
		return x
	case int:
		return float64(x)
	default:
		return v
	}
}

// merge puts src over dst as Helm merges a values file over the chart's: maps recursively, any
// other value replaced, null deletes the key.
func merge(dst, src map[string]interface{}) {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		sm, sok := v.(map[string]interface{})
		dm, dok := dst[k].(map[string]interface{})
		if sok && dok {
			merge(dm, sm)
		} else {
			dst[k] = v
		}
	}
}

func render(chartDir string, valueFiles []string, release, namespace string, notes bool) (string, error) {
	meta, err := readYAMLMap(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return "", err
	}
	name, _ := meta["name"].(string)
	if name == "" {
		return "", errors.New("Chart.yaml has no name")
	}
	values, err := readYAMLMap(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return "", err
	}
	for _, f := range valueFiles {
		more, err := readYAMLMap(f)
		if err != nil {
			return "", err
		}
		merge(values, more)
	}
	chart := map[string]interface{}{}
	for k, v := range meta { // Helm's chart.Metadata: Name, Version, AppVersion, ...
		chart[strings.ToUpper(k[:1])+k[1:]] = v
	}

	root := template.New("chart").Option("missingkey=zero")
	root.Funcs(funcs(root))
	templatesDir := filepath.Join(chartDir, "templates")
	var names []string
	err = filepath.WalkDir(templatesDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(templatesDir, path)
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		tname := name + "/templates/" + filepath.ToSlash(rel)
		if _, err := root.New(tname).Parse(string(text)); err != nil {
			return err
		}
		names = append(names, tname)
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(names)

	top := func(tname string) map[string]interface{} {
		return map[string]interface{}{
			"Values": values,
			"Chart":  chart,
			"Release": map[string]interface{}{
				"Name": release, "Namespace": namespace, "Service": "Helm",
				"IsInstall": true, "IsUpgrade": false, "Revision": 1,
			},
			"Capabilities": map[string]interface{}{
				"KubeVersion": map[string]interface{}{"Version": "v1.30.0", "Major": "1", "Minor": "30"},
			},
			"Template": map[string]interface{}{"Name": tname, "BasePath": name + "/templates"},
		}
	}
	var out strings.Builder
	for _, tname := range names {
		base := filepath.Base(tname)
		isNotes := base == "NOTES.txt"
		if strings.HasPrefix(base, "_") || isNotes != notes {
			continue
		}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, tname, top(tname)); err != nil {
			return "", err
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if notes {
			out.WriteString(text)
			continue
		}
		for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(text, -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var parsed interface{}
			if err := yaml.Unmarshal([]byte(doc), &parsed); err != nil {
				return "", fmt.Errorf("%s: not YAML: %w\n%s", tname, err, doc)
			}
			if parsed == nil { // only comments
				continue
			}
			fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", tname, strings.Trim(doc, "\n"))
		}
	}
	return out.String(), nil
}

// truthy is Sprig's `empty` negated: false for nil, zero numbers, "", empty maps and lists.
func truthy(v interface{}) bool {
	if v == nil {
		return false
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return r.Len() != 0
	case reflect.Bool:
		return r.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return r.Int() != 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return r.Uint() != 0
	case reflect.Float32, reflect.Float64:
		return r.Float() != 0
	case reflect.Ptr, reflect.Interface:
		return !r.IsNil()
	}
	return true
}

func toString(v interface{}) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// toYaml as Helm's: the YAML of v, two-space indents, without the final newline.
func toYaml(v interface{}) (string, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

func indent(n int, s string) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}

func funcs(root *template.Template) template.FuncMap {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	return template.FuncMap{
		"include": func(name string, data interface{}) (string, error) {
			var buf bytes.Buffer
			err := root.ExecuteTemplate(&buf, name, data)
			return buf.String(), err
		},
		"required": func(msg string, v interface{}) (interface{}, error) {
			if v == nil || v == "" {
				return nil, errors.New(msg)
			}
			return v, nil
		},
		"fail": func(msg string) (string, error) { return "", errors.New(msg) },
		"default": func(def interface{}, given ...interface{}) interface{} {
			if len(given) > 0 && truthy(given[0]) {
				return given[0]
			}
			return def
		},
		"empty":    func(v interface{}) bool { return !truthy(v) },
		"toString": toString,
		"quote": func(args ...interface{}) string {
			q := make([]string, 0, len(args))
			for _, a := range args {
				if a != nil {
					q = append(q, strconv.Quote(toString(a)))
				}
			}
			return strings.Join(q, " ")
		},
		"upper":      strings.ToUpper,
		"lower":      strings.ToLower,
		"replace":    func(old, repl, s string) string { return strings.ReplaceAll(s, old, repl) },
		"contains":   func(substr, s string) bool { return strings.Contains(s, substr) },
		"trimSuffix": func(suffix, s string) string { return strings.TrimSuffix(s, suffix) },
		"trunc": func(n int, s string) string {
			if n >= 0 && len(s) > n {
				return s[:n]
			}
			return s
		},
		"indent":  func(n int, s string) string { return indent(n, s) },
		"nindent": func(n int, s string) string { return "\n" + indent(n, s) },
		"toYaml":  toYaml,
		"dict": func(kv ...interface{}) (map[string]interface{}, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict: odd number of arguments")
			}
			m := map[string]interface{}{}
			for i := 0; i < len(kv); i += 2 {
				m[toString(kv[i])] = kv[i+1]
			}
			return m, nil
		},
		"list": func(v ...interface{}) []interface{} { return v },
		"hasKey": func(m map[string]interface{}, key string) bool {
			_, ok := m[key]
			return ok
		},
		"sha256sum": func(s string) string {
			sum := sha256.Sum256([]byte(s))
			return hex.EncodeToString(sum[:])
		},
		"b64enc": func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
		"b64dec": func(s string) (string, error) {
			b, err := base64.StdEncoding.DecodeString(s)
			return string(b), err
		},
		"randAlphaNum": func(n int) (string, error) {
			b := make([]byte, n)
			for i := range b {
				k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alnum))))
				if err != nil {
					return "", err
				}
				b[i] = alnum[k.Int64()]
			}
			return string(b), nil
		},
		// helm template talks to no cluster: lookup finds nothing.
		"lookup": func(apiVersion, kind, namespace, name string) map[string]interface{} {
			return map[string]interface{}{}
		},
	}
}
