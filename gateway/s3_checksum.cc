#include "gateway/s3_checksum.h"

#include <array>

#include "common/crc.h"
#include "common/encoding.h"
#include "common/hash.h"
#include "gateway/ascii.h"
#include "gateway/s3_error.h"

namespace shale::gateway {
namespace {

struct AlgorithmRow {
  ChecksumAlgorithm algorithm;
  std::string_view name;
  std::string_view header;
  size_t digest_size;
};

constexpr std::array<AlgorithmRow, 5> kAlgorithms = {{
    {ChecksumAlgorithm::kCrc32, "CRC32", "x-amz-checksum-crc32", 4},
    {ChecksumAlgorithm::kCrc32c, "CRC32C", "x-amz-checksum-crc32c", 4},
    {ChecksumAlgorithm::kCrc64Nvme, "CRC64NVME", "x-amz-checksum-crc64nvme", 8},
    {ChecksumAlgorithm::kSha1, "SHA1", "x-amz-checksum-sha1", 20},
    {ChecksumAlgorithm::kSha256, "SHA256", "x-amz-checksum-sha256", 32},
}};

const AlgorithmRow& Row(ChecksumAlgorithm algorithm) {
  for (const AlgorithmRow& row : kAlgorithms) {
    if (row.algorithm == algorithm) return row;
  }
  return kAlgorithms[0];
}

const AlgorithmRow* RowByHeader(std::string_view header) {
  for (const AlgorithmRow& row : kAlgorithms) {
    if (EqualsIgnoreCase(row.header, header)) return &row;
  }
  return nullptr;
}

bool ValidValue(ChecksumAlgorithm algorithm, std::string_view base64) {
  Result<std::string> raw = Base64Decode(base64, 64);
  return raw.ok() && raw->size() == Row(algorithm).digest_size;
}

Status InvalidValue(std::string_view header) {
  return MakeS3Error(S3ErrorCode::kInvalidRequest,
                     "Value for " + std::string(header) + " header is invalid.");
}

Status Multiple() {
  return MakeS3Error(S3ErrorCode::kInvalidRequest,
                     "Expecting a single x-amz-checksum- header. Multiple checksum Types are not "
                     "allowed.");
}

}  // namespace

std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm) { return Row(algorithm).name; }
std::string_view ChecksumHeaderName(ChecksumAlgorithm algorithm) { return Row(algorithm).header; }
size_t ChecksumDigestSize(ChecksumAlgorithm algorithm) { return Row(algorithm).digest_size; }

std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name) {
  for (const AlgorithmRow& row : kAlgorithms) {
    if (EqualsIgnoreCase(row.name, name)) return row.algorithm;
  }
  return std::nullopt;
}

PutDigests ComputeDigests(std::string_view data, const std::vector<ChecksumAlgorithm>& algorithms) {
  PutDigests out;
  out.size = data.size();
  out.md5_hex = HexEncode(Md5(data));
  for (ChecksumAlgorithm algorithm : algorithms) {
    std::string raw;
    auto big_endian = [&raw](uint64_t v, int bytes) {
      for (int i = bytes - 1; i >= 0; --i) raw += static_cast<char>((v >> (8 * i)) & 0xff);
    };
    switch (algorithm) {
      case ChecksumAlgorithm::kCrc32:
        big_endian(Crc32(data), 4);
        break;
      case ChecksumAlgorithm::kCrc32c:
        big_endian(Crc32c(data), 4);
        break;
      case ChecksumAlgorithm::kCrc64Nvme:
        big_endian(Crc64Nvme(data), 8);
        break;
      case ChecksumAlgorithm::kSha1: {
        Sha1Digest d = Sha1(data);
        raw.assign(d.begin(), d.end());
        break;
      }
      case ChecksumAlgorithm::kSha256: {
        Sha256Digest d = Sha256(data);
        raw.assign(d.begin(), d.end());
        break;
      }
    }
    out.checksums.push_back({algorithm, Base64Encode(raw)});
  }
  return out;
}

Result<ChecksumRequest> ParseChecksumRequest(const std::vector<S3Header>& headers) {
  ChecksumRequest out;
  std::optional<ChecksumAlgorithm> sdk;
  for (const S3Header& h : headers) {
    if (h.name == "content-md5") {
      Result<std::string> raw = Base64Decode(TrimOws(h.value), 64);
      if (!raw.ok() || raw->size() != 16 || out.content_md5) {
        return MakeS3Error(S3ErrorCode::kInvalidDigest);
      }
      out.content_md5 = std::move(*raw);
    } else if (const AlgorithmRow* row = RowByHeader(h.name)) {
      if (out.algorithm) return Multiple();
      if (!ValidValue(row->algorithm, TrimOws(h.value))) return InvalidValue(row->header);
      out.algorithm = row->algorithm;
      out.expected_base64 = std::string(TrimOws(h.value));
    } else if (h.name == "x-amz-trailer") {
      const AlgorithmRow* trailer = RowByHeader(TrimOws(h.value));
      if (trailer == nullptr) {
        return MakeS3Error(S3ErrorCode::kInvalidRequest,
                           "The value specified in the x-amz-trailer header is not supported");
      }
      if (out.algorithm) return Multiple();
      out.algorithm = trailer->algorithm;
      out.from_trailer = true;
    } else if (h.name == "x-amz-sdk-checksum-algorithm") {
      sdk = ParseChecksumAlgorithm(TrimOws(h.value));
      if (!sdk) return InvalidValue("x-amz-sdk-checksum-algorithm");
    }
  }
  if (sdk) {
    if (out.algorithm && *out.algorithm != *sdk) {
      return MakeS3Error(S3ErrorCode::kInvalidRequest,
                         "Value for x-amz-sdk-checksum-algorithm header is invalid.");
    }
    out.algorithm = sdk;
  }
  return out;
}

Status VerifyChecksums(const ChecksumRequest& request, const PutDigests& digests,
                       const std::vector<S3Header>* trailers) {
  if (request.content_md5) {
    if (HexEncode(*request.content_md5) != digests.md5_hex) {
      return MakeS3Error(S3ErrorCode::kBadDigest,
                         "The Content-MD5 you specified did not match what we received.");
    }
  }
  if (!request.algorithm) return Status::OK();
  const AlgorithmRow& row = Row(*request.algorithm);
  std::string expected = request.expected_base64;
  if (request.from_trailer) {
    const S3Header* found = nullptr;
    if (trailers != nullptr) {
      for (const S3Header& t : *trailers) {
        if (t.name == row.header) found = &t;
      }
    }
    if (found == nullptr || !ValidValue(row.algorithm, TrimOws(found->value))) {
      return MakeS3Error(S3ErrorCode::kMalformedTrailerError);
    }
    expected = std::string(TrimOws(found->value));
  }
  if (expected.empty()) return Status::OK();  // Compute-and-store only.
  for (const ObjectChecksum& computed : digests.checksums) {
    if (computed.algorithm != row.algorithm) continue;
    if (computed.base64 == expected) return Status::OK();
    return MakeS3Error(S3ErrorCode::kBadDigest, "The " + std::string(row.name) +
                                                    " you specified did not match the "
                                                    "calculated checksum.");
  }
  return Status::Internal("checksum " + std::string(row.name) + " was not computed");
}

}  // namespace shale::gateway
