// Package clientip is the one owner of "the client's IP address": every
// limiter (the auth endpoints', the per-address login delay's, the job
// dashboard's) asks it, so they all agree on who the client is.
//
// gin's ClientIP is not used because it gives up on an X-Forwarded-For entry
// that carries a port ("198.51.100.7:443", "[2001:db8::1]:443"), which some
// proxies write, and falls back to the proxy's own address: then every
// client behind that proxy shares one bucket, and one of them can lock the
// others out.
package clientip

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// The shortest prefixes TRUSTED_PROXIES may name. A proxy fleet fits in a
// /8 (IPv4) or a /16 (IPv6); anything wider, such as 0.0.0.0/0 or ::/0,
// would make every limiter believe any client's X-Forwarded-For.
const (
	MinTrustedBitsIPv4 = 8
	MinTrustedBitsIPv6 = 16
)

// CheckTrusted is the rule for one TRUSTED_PROXIES entry, which
// internal/config applies at start: an IP address, or a CIDR no wider than
// MinTrustedBitsIPv4 or MinTrustedBitsIPv6. The error completes the
// sentence "TRUSTED_PROXIES entry "…" ".
func CheckTrusted(entry string) error {
	entry = strings.TrimSpace(entry)
	if _, err := netip.ParseAddr(entry); err == nil {
		return nil
	}
	p, err := netip.ParsePrefix(entry)
	if err != nil {
		return errors.New("must be an IP address or a CIDR such as 10.0.0.0/8")
	}
	bits, v4 := p.Bits(), p.Addr().Is4()
	if p.Addr().Is4In6() {
		// ::ffff:0.0.0.0/96 is all of IPv4 written in IPv6.
		bits, v4 = bits-96, true
	}
	if v4 && bits < MinTrustedBitsIPv4 {
		return errors.New("trusts too many addresses: an IPv4 prefix must be /8 or longer; name your proxies' own range")
	}
	if !v4 && bits < MinTrustedBitsIPv6 {
		return errors.New("trusts too many addresses: an IPv6 prefix must be /16 or longer; name your proxies' own range")
	}
	return nil
}

// Resolver finds a request's client IP. It is safe for concurrent use.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a Resolver that believes X-Forwarded-For only from peers in
// trusted, TRUSTED_PROXIES' IP addresses and CIDRs. Entries that are
// neither are skipped: config validation has already refused them.
func New(trusted []string) *Resolver {
	r := &Resolver{}
	for _, t := range trusted {
		t = strings.TrimSpace(t)
		if p, err := netip.ParsePrefix(t); err == nil {
			r.trusted = append(r.trusted, p.Masked())
		} else if a, err := netip.ParseAddr(t); err == nil {
			a = a.Unmap()
			r.trusted = append(r.trusted, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return r
}

// IP returns the client's address. It is the TCP peer, unless the peer is
// a trusted proxy: then X-Forwarded-For is read from right to left, each
// entry being the address the next proxy saw, and the first one that is not
// itself a trusted proxy is the client. Entries may carry a port. An entry
// that is not an address ends the walk, and the peer is the answer, as it
// is when there is no header.
func (r *Resolver) IP(req *http.Request) string {
	peer, ok := parse(req.RemoteAddr)
	if !ok {
		return req.RemoteAddr
	}
	if !r.isTrusted(peer) {
		return peer.String()
	}
	entries := strings.Split(strings.Join(req.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(entries) - 1; i >= 0; i-- {
		a, ok := parse(entries[i])
		if !ok {
			break
		}
		if i == 0 || !r.isTrusted(a) {
			return a.String()
		}
	}
	return peer.String()
}

func (r *Resolver) isTrusted(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parse reads "192.0.2.1", "192.0.2.1:443", "2001:db8::1",
// "[2001:db8::1]" or "[2001:db8::1]:443". IPv4-mapped IPv6 addresses become
// IPv4, and IPv6 zones are dropped, so one client has one spelling.
func parse(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return netip.Addr{}, false
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// Key reduces a client IP to the unit that is limited. An IPv6 client
// usually controls a whole /64, so it is limited per /64; otherwise one host
// could rotate through 2^64 addresses and never be limited.
func Key(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return p.String()
		}
	}
	return addr.String()
}
