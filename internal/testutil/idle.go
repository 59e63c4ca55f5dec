package testutil

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// IdleConnectionClosed makes one keep-alive GET of path on addr, then stays
// idle and reports whether the server closed the connection before
// giveUp. It returns an error when the request fails or the connection is
// still open at giveUp, the server's idle timeout being longer or missing.
func IdleConnectionClosed(addr, path string, giveUp time.Duration) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, addr); err != nil {
		return err
	}
	rd := bufio.NewReader(conn)
	resp, err := http.ReadResponse(rd, nil)
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		return errors.New("the server closed the connection after the response, not after idling")
	}
	if err := conn.SetReadDeadline(time.Now().Add(giveUp)); err != nil {
		return err
	}
	_, err = rd.ReadByte()
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("the connection was still open after %s idle", giveUp)
	case err == nil:
		return errors.New("the server sent more than one response")
	default:
		return nil // reset by the server: closed all the same
	}
}
