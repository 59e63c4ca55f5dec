package clientip

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIP(t *testing.T) {
	t.Parallel()
	r := New([]string{"10.0.0.0/8", "127.0.0.1", "::1", "fd00::/8", "not-an-address"})
	for _, tc := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy: the peer", "192.0.2.1:5000", nil, "192.0.2.1"},
		{"untrusted peer: header ignored", "203.0.113.9:5000", []string{"192.0.2.50"}, "203.0.113.9"},
		{"trusted peer", "10.1.2.3:5000", []string{"192.0.2.1"}, "192.0.2.1"},
		{"IPv4 with a port", "127.0.0.1:5000", []string{"198.51.100.7:443"}, "198.51.100.7"},
		{"IPv6 with a port", "127.0.0.1:5000", []string{"[2001:db8::1]:443"}, "2001:db8::1"},
		{"IPv6 in brackets", "127.0.0.1:5000", []string{"[2001:db8::2]"}, "2001:db8::2"},
		{"bare IPv6", "[::1]:5000", []string{"2001:db8::3"}, "2001:db8::3"},
		{"IPv4-mapped", "127.0.0.1:5000", []string{"::ffff:192.0.2.9"}, "192.0.2.9"},
		{"spoofed first hop: right-most untrusted wins", "10.1.2.3:5000", []string{"198.51.100.99, 192.0.2.1:80"}, "192.0.2.1"},
		{"chain of trusted proxies", "10.1.2.3:5000", []string{"192.0.2.1, 10.9.9.9:1234, fd00::1"}, "192.0.2.1"},
		{"several header lines are one list", "10.1.2.3:5000", []string{"198.51.100.99", "192.0.2.4"}, "192.0.2.4"},
		{"all trusted: the left-most", "10.1.2.3:5000", []string{"10.0.0.1, 10.0.0.2"}, "10.0.0.1"},
		{"garbage: the peer", "10.1.2.3:5000", []string{"unknown"}, "10.1.2.3"},
		{"garbage behind a real entry stops the walk", "10.1.2.3:5000", []string{"192.0.2.1, _hidden"}, "10.1.2.3"},
		{"empty header: the peer", "10.1.2.3:5000", []string{""}, "10.1.2.3"},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = tc.peer
		for _, v := range tc.xff {
			req.Header.Add("X-Forwarded-For", v)
		}
		require.Equal(t, tc.want, r.IP(req), tc.name)
	}
}

func TestKeyGroupsIPv6By64(t *testing.T) {
	t.Parallel()
	require.Equal(t, "192.0.2.1", Key("192.0.2.1"))
	require.Equal(t, "192.0.2.1", Key("::ffff:192.0.2.1"))
	require.Equal(t, "2001:db8:1:2::/64", Key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"))
	require.Equal(t, Key("2001:db8:1:2::1"), Key("2001:db8:1:2:ffff::9"))
	require.NotEqual(t, Key("2001:db8:1:2::1"), Key("2001:db8:1:3::1"))
	require.Equal(t, "", Key(""))
}
