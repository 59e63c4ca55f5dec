package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// vercelConfig is the part of vercel.json that webdev follows.
type vercelConfig struct {
	CleanURLs     bool         `json:"cleanUrls"`
	TrailingSlash *bool        `json:"trailingSlash"`
	Headers       []headerRule `json:"headers"`
}

type headerRule struct {
	Source  string `json:"source"`
	Headers []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"headers"`
	match *regexp.Regexp
}

// loadVercel reads path. A vercel.json that uses something webdev does not
// imitate is an error, so that dev never silently differs from production.
func loadVercel(path string) (vercelConfig, error) {
	var c vercelConfig
	raw, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	for k := range keys {
		switch k {
		case "$schema", "cleanUrls", "trailingSlash", "headers":
		default:
			return c, fmt.Errorf("%s: webdev does not imitate %q; teach it or drop the key", path, k)
		}
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	if !c.CleanURLs {
		return c, fmt.Errorf("%s: webdev serves clean URLs only; set \"cleanUrls\": true", path)
	}
	if c.TrailingSlash != nil && *c.TrailingSlash {
		return c, fmt.Errorf("%s: webdev supports \"trailingSlash\": false only", path)
	}
	for i := range c.Headers {
		re, err := sourcePattern(c.Headers[i].Source)
		if err != nil {
			return c, fmt.Errorf("%s: headers[%d]: %w", path, i, err)
		}
		c.Headers[i].match = re
	}
	return c, nil
}

// sourcePattern turns a Vercel source such as "/(.*)" or
// "/(reset-password|verify-email)" into an anchored regexp: text in
// parentheses is a regular expression, the rest is literal. Named
// parameters (":slug") are not supported.
func sourcePattern(src string) (*regexp.Regexp, error) {
	if !strings.HasPrefix(src, "/") {
		return nil, fmt.Errorf("source %q must start with /", src)
	}
	var b strings.Builder
	b.WriteString("^")
	depth := 0
	lit := strings.Builder{}
	flush := func() {
		b.WriteString(regexp.QuoteMeta(lit.String()))
		lit.Reset()
	}
	for _, r := range src {
		switch {
		case r == '(':
			if depth == 0 {
				flush()
			}
			depth++
			b.WriteRune(r)
		case r == ')':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("source %q: unbalanced parentheses", src)
			}
			b.WriteRune(r)
		case depth > 0:
			b.WriteRune(r)
		case r == ':':
			return nil, fmt.Errorf("source %q: named parameters are not supported by webdev", src)
		default:
			lit.WriteRune(r)
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("source %q: unbalanced parentheses", src)
	}
	flush()
	b.WriteString("$")
	return regexp.Compile(b.String())
}
