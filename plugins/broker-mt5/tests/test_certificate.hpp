// A throwaway self-signed certificate for the TLS tests: an EC key and a certificate naming the
// given DNS names and IP addresses, written as PEM files into a fresh temp directory that is
// removed with the object.
#ifndef MT5B_BROKER_MT5_TESTS_TEST_CERTIFICATE_HPP
#define MT5B_BROKER_MT5_TESTS_TEST_CERTIFICATE_HPP

#include <string>
#include <vector>

namespace mt5b::broker_mt5::testing {

class TestCertificate {
 public:
  // `names` are subjectAltName entries: "DNS:localhost", "IP:127.0.0.1".
  explicit TestCertificate(const std::vector<std::string>& names = {"DNS:localhost",
                                                                    "IP:127.0.0.1"});
  ~TestCertificate();
  TestCertificate(const TestCertificate&) = delete;
  TestCertificate& operator=(const TestCertificate&) = delete;

  const std::string& cert_file() const noexcept { return cert_file_; }
  const std::string& key_file() const noexcept { return key_file_; }
  const std::string& dir() const noexcept { return dir_; }
  // SHA-256 of the DER certificate, 64 lowercase hex digits.
  const std::string& fingerprint_sha256() const noexcept { return fingerprint_; }

 private:
  std::string dir_;
  std::string cert_file_;
  std::string key_file_;
  std::string fingerprint_;
};

}  // namespace mt5b::broker_mt5::testing

#endif  // MT5B_BROKER_MT5_TESTS_TEST_CERTIFICATE_HPP
