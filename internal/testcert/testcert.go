// Package testcert is the one maker of TLS certificates for the in-process
// stand-ins (smtptest's SMTP server, neontest's WebSocket endpoint): a test
// CA and one server certificate it signed, so that clients verify a chain
// the way they verify a real provider's (a leaf under a root they trust).
// ECDSA P-256 keeps key generation to about a millisecond, so every test
// can have its own.
package testcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Authority is a test CA and the server certificate it signed.
type Authority struct {
	// PEM is the CA certificate, for SSL_CERT_FILE.
	PEM []byte
	// Pool holds the CA, for clients' RootCAs.
	Pool *x509.CertPool
	// Server is the signed server certificate and its key.
	Server tls.Certificate
}

// New makes a CA named name and a server certificate for hosts (DNS names,
// wildcards included, or IP addresses), valid from an hour ago for a week.
func New(name string, hosts []string) (*Authority, error) {
	now := time.Now()
	caTmpl := template(1, name+" CA", now, x509.KeyUsageCertSign)
	caTmpl.BasicConstraintsValid = true
	caTmpl.IsCA = true
	ca, caKey, err := issue(caTmpl, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: CA: %w", name, err)
	}
	tmpl := template(2, hosts[0], now, x509.KeyUsageDigitalSignature)
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	leaf, key, err := issue(tmpl, ca, caKey)
	if err != nil {
		return nil, fmt.Errorf("%s: server certificate: %w", name, err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &Authority{
		PEM:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}),
		Pool:   pool,
		Server: tls.Certificate{Certificate: [][]byte{leaf.Raw}, PrivateKey: key, Leaf: leaf},
	}, nil
}

// template is what the CA and the server certificate share: valid from an
// hour before now (clock skew) for a week.
func template(serial int64, cn string, now time.Time, usage x509.KeyUsage) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     usage,
	}
}

// issue makes a key and tmpl's certificate for it, signed by parent's key,
// or by its own when parent is nil (the CA).
func issue(tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}
