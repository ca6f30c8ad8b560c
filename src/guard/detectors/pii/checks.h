// Format and checksum validators behind the `pii` detector.
//
// Pure functions over ASCII strings without separators (callers strip spaces
// and dashes first unless noted). They do no I/O, never throw and allocate
// nothing; every one is safe on any input, including empty and very long
// strings. The evaluation uses them directly for checksum-only test cases.
#pragma once

#include <string_view>

namespace leitplanke::guard::detectors::pii {

// Luhn (mod 10) over a string of digits; false on any non-digit.
bool LuhnValid(std::string_view digits);

// Card issuer ranges (Visa, Mastercard incl. 2221-2720, Amex, Discover,
// Diners, JCB, Maestro) for a digit string of the given length.
bool CardIssuerKnown(std::string_view digits);

// IBAN: known country code, that country's exact length, mod-97 == 1.
// Letters may be upper or lower case (not mixed: the caller decides).
bool IbanValid(std::string_view compact);
// The registered IBAN length for a two-letter upper-case country code, 0 if unknown.
int IbanLength(std::string_view country);

// Steuer-IdNr: 11 digits, no leading zero, ISO 7064 MOD 11,10 check digit.
// `strict_repetition` also applies the issuing rule for the first ten digits
// (exactly one digit occurs twice or three times, never three in a row).
bool DeTaxIdValid(std::string_view digits, bool strict_repetition);

// ISO 7064 MOD 11,10 check digit over the digits of `body`, -1 on non-digits.
int Mod1110CheckDigit(std::string_view body);

// Personalausweis / Reisepass serial: 9 characters from the document
// alphabet (digits and C F G H J K L M N P R T V W X Y Z, any case), the last
// a digit checking the first eight with weights 7-3-1.
bool DeDocumentNumberValid(std::string_view s);
// Which document the first letter stands for: 'p' passport (C F G H J K),
// 'i' identity card (L M N P R T V W X Y Z), 0 otherwise.
char DeDocumentKind(std::string_view s);

// Rentenversicherungsnummer: 2-digit area, DDMMYY birth date (day may carry
// the +50 serial overflow), initial letter, 2-digit serial, check digit.
bool DeSocialSecurityValid(std::string_view s);

// USt-IdNr: "DE" + 9 digits, the ninth the BZSt MOD 11,10 check digit.
bool DeVatIdValid(std::string_view s);

// IPv4 dotted quad (decimal, 0-255 each, no more than 3 digits per part).
bool Ipv4Valid(std::string_view s);
// IPv6 in any textual form of RFC 4291 (incl. "::" compression and an
// embedded IPv4 tail); no zone id or prefix.
bool Ipv6Valid(std::string_view s);

}  // namespace leitplanke::guard::detectors::pii
