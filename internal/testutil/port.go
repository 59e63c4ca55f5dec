package testutil

import "net"

// FreePort asks the kernel for a free loopback TCP port and releases it, for
// a child server that must be told its port before it starts. Another
// process may take the port in between; callers that cannot tolerate that
// retry.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
