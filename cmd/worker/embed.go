package main

// The release image is built FROM scratch, which holds no /usr/share/zoneinfo
// and no /etc/ssl/certs. These imports compile the time zone database and
// Mozilla's CA roots into the binary, so that time zones load and TLS to
// Postgres and SMTP verifies certificates with nothing from the image. The
// fallback roots are used only when the system has none, so a host's own
// trust store still wins where one exists.
import (
	_ "time/tzdata"

	_ "golang.org/x/crypto/x509roots/fallback"
)
