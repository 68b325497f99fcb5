#pragma once

// Validation of S3 object keys and bucket names (untrusted input from the URI or XML bodies).
//
// Object keys: 1..1024 bytes of well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF). On top of S3's rules Shale rejects exactly one thing: the NUL byte,
// because "bucket \0 key \0 version" is the index's key layout. Everything else S3 accepts is
// accepted, including "." / ".." segments, leading "/" and control characters: keys are index
// entries, never file-system paths, so there is nothing to escape from.
//
// Bucket names: S3's general-purpose rules. 3..63 characters of [a-z0-9.-]; first and last a
// letter or digit; no two adjacent periods; not an IPv4 address in dotted form; none of the
// prefixes "xn--", "sthree-", "amzn-s3-demo-"; none of the suffixes "-s3alias", "--ol-s3",
// ".mrap", "--x-s3", "--table-s3". ("-." and ".-" are allowed, as S3 allows them.)
//
// Errors: KeyTooLongError (> 1024 bytes), InvalidArgument (empty key, NUL, bad UTF-8),
// InvalidBucketName (any bucket rule). Thread-safety: pure functions.

#include <cstddef>
#include <string_view>

#include "common/status.h"

namespace shale::gateway {

inline constexpr size_t kMaxObjectKeyBytes = 1024;

// RFC 3629 well-formed UTF-8.
bool IsValidUtf8(std::string_view text);

Status ValidateObjectKey(std::string_view key);
Status ValidateBucketName(std::string_view name);

}  // namespace shale::gateway
