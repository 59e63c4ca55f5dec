package oauth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/todoapp/resetmail/internal/mail"
)

// Source hands out access tokens, fetching one only when the cached one is
// missing, due for refresh or invalidated. Safe for concurrent use; while
// one caller fetches, the others wait for its token rather than fetch too.
type Source struct {
	grant    string
	provider string
	host     string
	scopes   []string
	// fetch asks the token endpoint for a new token. refresh is the
	// current refresh token, which rotates when the endpoint issues a new
	// one.
	fetch func(ctx context.Context, refresh string) (*oauth2.Token, error)
	// secrets are scrubbed from whatever the endpoint says back.
	secrets []string
	timeout time.Duration
	http    *http.Client

	// lock is a one-slot semaphore rather than a mutex, so that a caller
	// waiting for another's fetch still honours its own context.
	lock    chan struct{}
	tok     *oauth2.Token
	fetched time.Time
	refresh string

	fetches atomic.Uint64
}

// Grant is one of the Grant* constants.
func (s *Source) Grant() string { return s.grant }

// Host is the token endpoint's host, for check-mail.
func (s *Source) Host() string { return s.host }

// Fetches counts the calls made to the token endpoint, failed ones too.
func (s *Source) Fetches() uint64 { return s.fetches.Load() }

// Token returns the cached access token, or fetches a new one when none is
// cached or the cached one is due for refresh.
func (s *Source) Token(ctx context.Context) (*oauth2.Token, error) {
	select {
	case s.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, s.classify(ctx, ctx.Err())
	}
	defer func() { <-s.lock }()
	now := time.Now()
	if s.tok != nil && now.Before(refreshAt(s.tok, s.fetched)) {
		return s.tok, nil
	}
	s.tok = nil
	cctx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, s.http), s.timeout)
	defer cancel()
	s.fetches.Add(1)
	tok, err := s.fetch(cctx, s.refresh)
	if err != nil {
		return nil, s.classify(cctx, err)
	}
	if tok.AccessToken == "" {
		return nil, &mail.SendError{Provider: s.provider, Class: mail.ClassConfig, Stage: mail.StageAuth, Server: s.host,
			Text: "token endpoint answered without an access token (check " + VarTokenURL + ")"}
	}
	if tok.RefreshToken != "" && s.grant == GrantRefreshToken {
		// The endpoint rotated the refresh token; the old one may stop
		// working. It lives in memory only: after a restart the configured
		// one is used again, which providers accept until it expires.
		s.refresh = tok.RefreshToken
		s.secrets = append(s.secrets, tok.RefreshToken)
	}
	s.tok, s.fetched = tok, now
	return tok, nil
}

// AccessToken is Token's access token, for SMTP XOAUTH2.
func (s *Source) AccessToken(ctx context.Context) (string, error) {
	tok, err := s.Token(ctx)
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// Check gets a token (the cached one if still fresh) and describes it for
// `worker check-mail`.
func (s *Source) Check(ctx context.Context) (string, error) {
	tok, err := s.Token(ctx)
	if err != nil {
		return "", err
	}
	return s.Describe(tok), nil
}

// refreshAt is when a token fetched at fetched is replaced: a quarter of
// its lifetime before it expires, at most five minutes before, so that a
// connection never authenticates with a token about to lapse. A token
// without an expiry is kept until a server refuses it.
func refreshAt(tok *oauth2.Token, fetched time.Time) time.Time {
	if tok.Expiry.IsZero() {
		return time.Unix(1<<62, 0)
	}
	margin := min(tok.Expiry.Sub(fetched)/4, 5*time.Minute)
	return tok.Expiry.Add(-margin)
}

// Invalidate drops the cached token if it is still access, after a server
// refused it although it had not expired: the next Token fetches a fresh
// one. It reports whether it dropped it.
func (s *Source) Invalidate(access string) bool {
	s.lock <- struct{}{}
	defer func() { <-s.lock }()
	if s.tok != nil && s.tok.AccessToken == access {
		s.tok = nil
		return true
	}
	return false
}

// Scopes are the scopes a token carries: the endpoint's "scope" answer, or
// what was asked for when it says none (RFC 6749 5.1).
func (s *Source) Scopes(tok *oauth2.Token) []string {
	if v, ok := tok.Extra("scope").(string); ok && strings.TrimSpace(v) != "" {
		return strings.Fields(v)
	}
	return s.scopes
}

// Describe is check-mail's line for a token: "obtained (client_credentials
// from login.example.com), expires in 3599 s, scopes a b". Never the token.
func (s *Source) Describe(tok *oauth2.Token) string {
	out := fmt.Sprintf("obtained (%s from %s)", s.grant, s.host)
	if !tok.Expiry.IsZero() {
		out += fmt.Sprintf(", expires in %d s", int(time.Until(tok.Expiry).Round(time.Second).Seconds()))
	} else {
		out += ", no expiry given"
	}
	if sc := s.Scopes(tok); len(sc) > 0 {
		out += ", scopes " + strings.Join(sc, " ")
	}
	return out
}
