// A self-signed certificate for 127.0.0.1 and localhost (P-256, valid until
// 2126), for TLS tests only: made with
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
//     -subj /CN=localhost -days 36500 \
//     -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
//     -addext basicConstraints=critical,CA:FALSE
// Its private key is public: never use it for anything else.

/** The certificate (PEM). */
export const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBlzCCAT6gAwIBAgIUOJTe+bYLUsC4/Ml9os8ThoIbZ28wCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNDA5MzYwM1oYDzIxMjYxMDMx
MDkzNjAzWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASpYkeuJKJ0rXUEB0pWkbXmHa2hoDOY2rq/7Fq3DCUhH0W02PHq1yfi
RCuyghmOB78dQGzySRPUTPqI6idRiNFyo2wwajAdBgNVHQ4EFgQUQA3wyIdKlaXw
Tit7+/vfD5kru2AwHwYDVR0jBBgwFoAUQA3wyIdKlaXwTit7+/vfD5kru2AwGgYD
VR0RBBMwEYcEfwAAAYIJbG9jYWxob3N0MAwGA1UdEwEB/wQCMAAwCgYIKoZIzj0E
AwIDRwAwRAIgUwiGGYkaG6nXdNDlNs/Z0tqPyyhCtsuPFGP+CxUuWFcCIEWbn++p
fEnBHwMjPriDW04EugFKs4/GuZy8jeG0VUHN
-----END CERTIFICATE-----
`;

/** Its private key (PEM). */
export const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgls4rpekyeZniPOG+
B8bV1Pr7Oz8P+zJtullW1vNrd7ihRANCAASpYkeuJKJ0rXUEB0pWkbXmHa2hoDOY
2rq/7Fq3DCUhH0W02PHq1yfiRCuyghmOB78dQGzySRPUTPqI6idRiNFy
-----END PRIVATE KEY-----
`;
