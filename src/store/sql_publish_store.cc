// PublishStore over the SQL layer. Every method is one transaction from
// SqlStore's pool. Locking as in the desk store: PostgreSQL takes row locks
// (FOR UPDATE) before read-modify-write and FOR UPDATE SKIP LOCKED where
// instances compete for work (the send queue); SQLite's BEGIN IMMEDIATE
// serialises writers already. Expected conflicts (a used idempotency key)
// are checked by a SELECT first, since a failed statement aborts a
// PostgreSQL transaction.
#include "store/sql_publish_store.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "store/sql_store.h"
#include "store/sql_util.h"

namespace leitplanke::store {
namespace {

using sql::Bool;
using sql::Int;
using sql::Row;
using sql::Text;
using sql::Value;

using sql_util::Id;
using sql_util::kArchiveLock;
using sql_util::NowMillis;
using sql_util::SplitList;

constexpr int32_t kMaxList = 1000;

std::string JoinFlags(const std::vector<std::string>& flags) {
  std::string out;
  for (const std::string& f : flags) {
    if (f.empty()) continue;
    if (!out.empty()) out += ',';
    out += f;
  }
  return out;
}

constexpr const char* kPostCols =
    "p.id, p.title, p.body, p.link, p.author_id, u.username, p.team_id, p.state, p.scheduled_at, "
    "p.shareable, p.flags, p.cooldown_until, p.cooldown_confirmed, p.reason, p.approval_id, "
    "p.version, p.created_at, p.updated_at, p.sent_at";
constexpr const char* kPostFrom = " FROM posts p JOIN users u ON u.id = p.author_id";

Post PostFromRow(const Row& r) {
  Post p;
  p.id = r.Int(0);
  p.title = r.Text(1);
  p.body = r.Text(2);
  p.link = r.Text(3);
  p.author_id = r.Int(4);
  p.author_name = r.Text(5);
  p.team_id = r.Int(6);
  p.state = static_cast<PostState>(r.Int(7));
  p.scheduled_at = r.Int(8);
  p.shareable = r.Bool(9);
  p.flags = SplitList(r.Text(10));
  p.cooldown_until = r.Int(11);
  p.cooldown_confirmed = r.Bool(12);
  p.reason = r.Text(13);
  p.approval_id = r.Int(14);
  p.version = r.Int(15);
  p.created_at = r.Int(16);
  p.updated_at = r.Int(17);
  p.sent_at = r.Int(18);
  return p;
}

constexpr const char* kVariantCols =
    "v.id, v.post_id, v.channel_id, c.name, c.kind, v.text, v.wire_text, v.verdict, v.action, "
    "v.state, v.idempotency_key, v.attempts, v.next_attempt_at, v.claimed_by, v.claimed_until, "
    "v.last_error, v.external_id, v.sent_at, v.created_at, v.updated_at, v.media";
constexpr const char* kVariantFrom = " FROM post_variants v JOIN channels c ON c.id = v.channel_id";

PostVariant VariantFromRow(const Row& r) {
  PostVariant v;
  v.id = r.Int(0);
  v.post_id = r.Int(1);
  v.channel_id = r.Int(2);
  v.channel_name = r.Text(3);
  v.channel_kind = r.Text(4);
  v.text = r.Text(5);
  v.wire_text = r.Text(6);
  v.verdict = r.Text(7);
  v.action = r.Text(8);
  v.state = static_cast<VariantState>(r.Int(9));
  v.idempotency_key = r.Text(10);
  v.attempts = static_cast<int32_t>(r.Int(11));
  v.next_attempt_at = r.Int(12);
  v.claimed_by = r.Text(13);
  v.claimed_until = r.Int(14);
  v.last_error = r.Text(15);
  v.external_id = r.Text(16);
  v.sent_at = r.Int(17);
  v.created_at = r.Int(18);
  v.updated_at = r.Int(19);
  v.media = r.Text(20);
  return v;
}

Status CheckPost(const Post& p) {
  std::set<int64_t> channels;
  for (const PostVariant& v : p.variants) {
    if (v.channel_id <= 0) return Status::InvalidArgument("variant without a channel");
    if (!channels.insert(v.channel_id).second) {
      return Status::InvalidArgument("two variants on channel " + Id(v.channel_id));
    }
    if (v.idempotency_key.empty() && v.id == 0) {
      return Status::InvalidArgument("variant on channel " + Id(v.channel_id) +
                                     " needs an idempotency key");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Post> SqlPublishStore::SelectPost(sql::Connection& conn, int64_t id, bool lock) const {
  if (lock && dialect_ == sql::Dialect::kPostgres) {
    LP_RETURN_IF_ERROR(
        conn.Query("SELECT id FROM posts WHERE id = $1 FOR UPDATE", {Int(id)}).status());
  }
  LP_ASSIGN_OR_RETURN(
      sql::ResultSet rs,
      conn.Query(std::string("SELECT ") + kPostCols + kPostFrom + " WHERE p.id = $1", {Int(id)}));
  if (rs.rows.empty()) return Status::NotFound("no post with id " + Id(id));
  std::vector<Post> one = {PostFromRow(rs.rows[0])};
  LP_RETURN_IF_ERROR(LoadVariants(conn, one));
  return std::move(one[0]);
}

Status SqlPublishStore::LoadVariants(sql::Connection& conn, std::vector<Post>& posts) const {
  for (Post& p : posts) {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query(std::string("SELECT ") + kVariantCols + kVariantFrom +
                                       " WHERE v.post_id = $1 ORDER BY v.channel_id",
                                   {Int(p.id)}));
    p.variants.clear();
    for (const Row& r : rs.rows) p.variants.push_back(VariantFromRow(r));
    for (PostVariant& v : p.variants) {
      LP_ASSIGN_OR_RETURN(sql::ResultSet links,
                          conn.Query("SELECT asset_id FROM post_variant_assets WHERE variant_id = "
                                     "$1 ORDER BY ord",
                                     {Int(v.id)}));
      for (const Row& l : links.rows) v.asset_ids.push_back(l.Int(0));
    }
  }
  return Status::Ok();
}

Status SqlPublishStore::PutVariantAssets(sql::Connection& conn, int64_t variant_id,
                                         const std::vector<int64_t>& asset_ids) const {
  LP_RETURN_IF_ERROR(
      conn.Query("DELETE FROM post_variant_assets WHERE variant_id = $1", {Int(variant_id)})
          .status());
  for (size_t i = 0; i < asset_ids.size(); ++i) {
    LP_ASSIGN_OR_RETURN(sql::ResultSet a,
                        conn.Query("SELECT id FROM assets WHERE id = $1", {Int(asset_ids[i])}));
    if (a.rows.empty()) return Status::InvalidArgument("no asset with id " + Id(asset_ids[i]));
    LP_RETURN_IF_ERROR(
        conn.Query("INSERT INTO post_variant_assets (variant_id, ord, asset_id) "
                   "VALUES ($1, $2, $3)",
                   {Int(variant_id), Int(static_cast<int64_t>(i)), Int(asset_ids[i])})
            .status());
  }
  return Status::Ok();
}

Status SqlPublishStore::InsertVariant(sql::Connection& conn, int64_t post_id, const PostVariant& v,
                                      Millis now) const {
  LP_ASSIGN_OR_RETURN(sql::ResultSet ch,
                      conn.Query("SELECT id FROM channels WHERE id = $1", {Int(v.channel_id)}));
  if (ch.rows.empty()) return Status::InvalidArgument("no channel with id " + Id(v.channel_id));
  LP_ASSIGN_OR_RETURN(sql::ResultSet used,
                      conn.Query("SELECT id FROM post_variants WHERE idempotency_key = $1",
                                 {Text(v.idempotency_key)}));
  if (!used.rows.empty()) {
    return Status::AlreadyExists("idempotency key '" + v.idempotency_key + "' is already used");
  }
  LP_ASSIGN_OR_RETURN(
      sql::ResultSet rs,
      conn.Query(
          "INSERT INTO post_variants (post_id, channel_id, text, wire_text, verdict, action, "
          "state, idempotency_key, attempts, next_attempt_at, claimed_by, claimed_until, "
          "last_error, external_id, sent_at, created_at, updated_at, media) VALUES ($1, $2, $3, "
          "$4, $5, $6, 0, $7, 0, 0, '', 0, '', '', 0, $8, $8, $9) RETURNING id",
          {Int(post_id), Int(v.channel_id), Text(v.text), Text(v.wire_text), Text(v.verdict),
           Text(v.action), Text(v.idempotency_key), Int(now), Text(v.media)}));
  return PutVariantAssets(conn, rs.rows.at(0).Int(0), v.asset_ids);
}

Result<Post> SqlPublishStore::CreatePost(Post p) {
  LP_RETURN_IF_ERROR(CheckPost(p));
  if (p.created_at == 0) p.created_at = NowMillis();
  p.updated_at = p.created_at;
  return store_.TxValue<Post>(true, [&](sql::Connection& conn) -> Result<Post> {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("INSERT INTO posts (title, body, link, author_id, team_id, state, "
                   "scheduled_at, shareable, flags, cooldown_until, cooldown_confirmed, reason, "
                   "approval_id, version, created_at, updated_at, sent_at) VALUES ($1, $2, $3, "
                   "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14, $15) RETURNING id",
                   {Text(p.title), Text(p.body), Text(p.link), Int(p.author_id), Int(p.team_id),
                    Int(static_cast<int>(p.state)), Int(p.scheduled_at), Bool(p.shareable),
                    Text(JoinFlags(p.flags)), Int(p.cooldown_until), Bool(p.cooldown_confirmed),
                    Text(p.reason), Int(p.approval_id), Int(p.created_at), Int(p.sent_at)}));
    const int64_t id = rs.rows.at(0).Int(0);
    for (const PostVariant& v : p.variants) {
      LP_RETURN_IF_ERROR(InsertVariant(conn, id, v, p.created_at));
    }
    return SelectPost(conn, id, false);
  });
}

Result<Post> SqlPublishStore::GetPost(int64_t id) {
  return store_.TxValue<Post>(
      false, [&](sql::Connection& conn) -> Result<Post> { return SelectPost(conn, id, false); });
}

Result<Post> SqlPublishStore::UpdatePost(const Post& p) {
  LP_RETURN_IF_ERROR(CheckPost(p));
  const Millis now = p.updated_at != 0 ? p.updated_at : NowMillis();
  return store_.TxValue<Post>(true, [&](sql::Connection& conn) -> Result<Post> {
    LP_ASSIGN_OR_RETURN(Post stored, SelectPost(conn, p.id, true));
    if (stored.version != p.version) {
      return Status::FailedPrecondition("post " + Id(p.id) + " changed meanwhile (version " +
                                        Id(stored.version) + ", not " + Id(p.version) +
                                        "); reload it");
    }
    LP_RETURN_IF_ERROR(
        conn.Query("UPDATE posts SET title = $2, body = $3, link = $4, team_id = $5, state = $6, "
                   "scheduled_at = $7, shareable = $8, flags = $9, cooldown_until = $10, "
                   "cooldown_confirmed = $11, reason = $12, approval_id = $13, version = version "
                   "+ 1, updated_at = $14, sent_at = $15 WHERE id = $1",
                   {Int(p.id), Text(p.title), Text(p.body), Text(p.link), Int(p.team_id),
                    Int(static_cast<int>(p.state)), Int(p.scheduled_at), Bool(p.shareable),
                    Text(JoinFlags(p.flags)), Int(p.cooldown_until), Bool(p.cooldown_confirmed),
                    Text(p.reason), Int(p.approval_id), Int(now), Int(p.sent_at)})
            .status());
    std::map<int64_t, const PostVariant*> wanted;
    for (const PostVariant& v : p.variants) wanted[v.channel_id] = &v;
    for (const PostVariant& old : stored.variants) {
      auto it = wanted.find(old.channel_id);
      if (it == wanted.end()) {
        LP_RETURN_IF_ERROR(
            conn.Query("DELETE FROM post_variants WHERE id = $1", {Int(old.id)}).status());
        continue;
      }
      const PostVariant& v = *it->second;
      LP_RETURN_IF_ERROR(conn.Query("UPDATE post_variants SET text = $2, wire_text = $3, "
                                    "verdict = $4, action = $5, updated_at = $6, media = $7 "
                                    "WHERE id = $1",
                                    {Int(old.id), Text(v.text), Text(v.wire_text), Text(v.verdict),
                                     Text(v.action), Int(now), Text(v.media)})
                             .status());
      LP_RETURN_IF_ERROR(PutVariantAssets(conn, old.id, v.asset_ids));
      wanted.erase(it);
    }
    for (const auto& [channel, v] : wanted) {
      if (v->idempotency_key.empty()) {
        return Status::InvalidArgument("new variant on channel " + Id(channel) +
                                       " needs an idempotency key");
      }
      LP_RETURN_IF_ERROR(InsertVariant(conn, p.id, *v, now));
    }
    return SelectPost(conn, p.id, false);
  });
}

Result<std::vector<Post>> SqlPublishStore::ListPosts(const PostQuery& q) {
  const int32_t limit = std::clamp(q.limit, 0, kMaxList);
  if (limit == 0) return std::vector<Post>{};
  return store_.TxValue<std::vector<Post>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<Post>> {
        std::vector<Value> params;
        std::string sql = std::string("SELECT ") + kPostCols + kPostFrom;
        bool first = true;
        auto cond = [&](const std::string& text) {
          sql += first ? " WHERE " : " AND ";
          first = false;
          sql += text;
        };
        auto param = [&](Value v) {
          params.push_back(std::move(v));
          return "$" + std::to_string(params.size());
        };
        if (q.from != 0 || q.to != 0) {
          const std::string from = param(Int(q.from));
          const std::string to = param(Int(q.to != 0 ? q.to : INT64_MAX));
          cond("((p.scheduled_at <> 0 AND p.scheduled_at >= " + from + " AND p.scheduled_at < " +
               to + ") OR (p.scheduled_at = 0 AND p.sent_at <> 0 AND p.sent_at >= " + from +
               " AND p.sent_at < " + to + "))");
        }
        if (!q.states.empty()) {
          std::string in;
          for (PostState s : q.states) {
            if (!in.empty()) in += ", ";
            in += param(Int(static_cast<int>(s)));
          }
          cond("p.state IN (" + in + ")");
        }
        if (q.channel_id != 0) {
          cond("EXISTS (SELECT 1 FROM post_variants w WHERE w.post_id = p.id AND w.channel_id = " +
               param(Int(q.channel_id)) + ")");
        }
        if (q.author_id != 0) cond("p.author_id = " + param(Int(q.author_id)));
        if (q.shareable_only) cond("p.shareable = 1");
        if (q.before_id > 0) cond("p.id < " + param(Int(q.before_id)));
        if (q.from != 0 || q.to != 0) {
          sql +=
              " ORDER BY CASE WHEN p.scheduled_at <> 0 THEN p.scheduled_at ELSE p.sent_at END, "
              "p.id";
        } else {
          sql += " ORDER BY p.id DESC";
        }
        sql += " LIMIT " + param(Int(limit));
        LP_ASSIGN_OR_RETURN(sql::ResultSet rs, conn.Query(sql, params));
        std::vector<Post> out;
        out.reserve(rs.rows.size());
        for (const Row& r : rs.rows) out.push_back(PostFromRow(r));
        LP_RETURN_IF_ERROR(LoadVariants(conn, out));
        return out;
      });
}

// --- media library --------------------------------------------------------------------

namespace {

constexpr const char* kAssetSelect =
    "SELECT a.id, a.name, a.mime_type, a.url, a.licence, a.consent, a.created_by, u.username, "
    "a.created_at, a.sha256, a.size, a.width, a.height, a.alt_text FROM assets a JOIN users u ON "
    "u.id = a.created_by";

Asset AssetFromRow(const Row& r) {
  Asset a{r.Int(0),  r.Text(1), r.Text(2), r.Text(3), r.Text(4),
          r.Text(5), r.Int(6),  r.Text(7), r.Int(8)};
  a.sha256 = r.Text(9);
  a.size = r.Int(10);
  a.width = static_cast<int32_t>(r.Int(11));
  a.height = static_cast<int32_t>(r.Int(12));
  a.alt_text = r.Text(13);
  return a;
}

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

MediaFile FileFromRow(const Row& r, bool with_bytes) {
  MediaFile f;
  f.sha256 = r.Text(0);
  f.mime_type = r.Text(1);
  f.size = r.Int(2);
  f.width = static_cast<int32_t>(r.Int(3));
  f.height = static_cast<int32_t>(r.Int(4));
  f.created_at = r.Int(5);
  if (with_bytes) f.bytes = std::make_shared<const std::string>(r.cell(6).s);
  return f;
}

}  // namespace

Result<Asset> SqlPublishStore::InsertAsset(sql::Connection& conn, Asset a) const {
  if (a.name.empty()) return Status::InvalidArgument("an asset needs a name");
  if (a.url.empty() && a.sha256.empty()) {
    return Status::InvalidArgument("an asset needs a URL or a stored file");
  }
  if (!a.url.empty() && !a.sha256.empty()) {
    return Status::InvalidArgument("an asset is either a URL or a stored file, not both");
  }
  if (!a.sha256.empty()) {
    LP_ASSIGN_OR_RETURN(sql::ResultSet f,
                        conn.Query("SELECT mime_type, size, width, height FROM media_files "
                                   "WHERE sha256 = $1",
                                   {Text(a.sha256)}));
    if (f.rows.empty()) return Status::InvalidArgument("no stored file " + a.sha256);
    a.mime_type = f.rows[0].Text(0);
    a.size = f.rows[0].Int(1);
    a.width = static_cast<int32_t>(f.rows[0].Int(2));
    a.height = static_cast<int32_t>(f.rows[0].Int(3));
  } else {
    a.size = 0;
    a.width = 0;
    a.height = 0;
  }
  if (a.created_at == 0) a.created_at = NowMillis();
  LP_ASSIGN_OR_RETURN(
      sql::ResultSet rs,
      conn.Query("INSERT INTO assets (name, mime_type, url, licence, consent, created_by, "
                 "created_at, sha256, size, width, height, alt_text) VALUES ($1, $2, $3, $4, $5, "
                 "$6, $7, $8, $9, $10, $11, $12) RETURNING id",
                 {Text(a.name), Text(a.mime_type), Text(a.url), Text(a.licence), Text(a.consent),
                  Int(a.created_by), Int(a.created_at), Text(a.sha256), Int(a.size), Int(a.width),
                  Int(a.height), Text(a.alt_text)}));
  LP_ASSIGN_OR_RETURN(sql::ResultSet got, conn.Query(std::string(kAssetSelect) + " WHERE a.id = $1",
                                                     {Int(rs.rows.at(0).Int(0))}));
  if (got.rows.empty()) return Status::InvalidArgument("no user with id " + Id(a.created_by));
  return AssetFromRow(got.rows.at(0));
}

Result<Asset> SqlPublishStore::CreateAsset(Asset a) {
  return store_.TxValue<Asset>(
      true, [&](sql::Connection& conn) -> Result<Asset> { return InsertAsset(conn, a); });
}

Result<Asset> SqlPublishStore::GetAsset(int64_t id) {
  return store_.TxValue<Asset>(false, [&](sql::Connection& conn) -> Result<Asset> {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query(std::string(kAssetSelect) + " WHERE a.id = $1", {Int(id)}));
    if (rs.rows.empty()) return Status::NotFound("no asset with id " + Id(id));
    return AssetFromRow(rs.rows[0]);
  });
}

Result<std::vector<Asset>> SqlPublishStore::ListAssets(int32_t limit) {
  limit = std::clamp(limit, 0, kMaxList);
  return store_.TxValue<std::vector<Asset>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<Asset>> {
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet rs,
            conn.Query(std::string(kAssetSelect) + " ORDER BY a.id DESC LIMIT $1", {Int(limit)}));
        std::vector<Asset> out;
        for (const Row& r : rs.rows) out.push_back(AssetFromRow(r));
        return out;
      });
}

Result<MediaFile> SqlPublishStore::PutFile(sql::Connection& conn, MediaFile file) const {
  if (!IsSha256Hex(file.sha256)) {
    return Status::InvalidArgument("a media file's sha256 must be 64 lower-case hex digits");
  }
  if (file.bytes == nullptr) return Status::InvalidArgument("a media file needs its bytes");
  if (file.size != static_cast<int64_t>(file.bytes->size())) {
    return Status::InvalidArgument("media file size " + std::to_string(file.size) +
                                   " is not the size of its bytes (" +
                                   std::to_string(file.bytes->size()) + ")");
  }
  if (file.mime_type.empty()) return Status::InvalidArgument("a media file needs its type");
  // Look first: a duplicate key would abort a PostgreSQL transaction, and the
  // bytes need not travel again.
  LP_ASSIGN_OR_RETURN(sql::ResultSet got,
                      conn.Query("SELECT sha256, mime_type, size, width, height, created_at "
                                 "FROM media_files WHERE sha256 = $1",
                                 {Text(file.sha256)}));
  if (!got.rows.empty()) return FileFromRow(got.rows[0], false);
  if (file.created_at == 0) file.created_at = NowMillis();
  LP_RETURN_IF_ERROR(
      conn.Query("INSERT INTO media_files (sha256, mime_type, size, width, height, bytes, "
                 "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sha256) DO NOTHING",
                 {Text(file.sha256), Text(file.mime_type), Int(file.size), Int(file.width),
                  Int(file.height), sql::Blob(*file.bytes), Int(file.created_at)})
          .status());
  file.bytes = nullptr;
  return file;
}

Result<MediaFile> SqlPublishStore::PutMediaFile(MediaFile file) {
  return store_.TxValue<MediaFile>(
      true, [&](sql::Connection& conn) -> Result<MediaFile> { return PutFile(conn, file); });
}

Result<MediaFile> SqlPublishStore::GetMediaFile(std::string_view sha256) {
  return store_.TxValue<MediaFile>(false, [&](sql::Connection& conn) -> Result<MediaFile> {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query("SELECT sha256, mime_type, size, width, height, created_at, "
                                   "bytes FROM media_files WHERE sha256 = $1",
                                   {Text(sha256)}));
    if (rs.rows.empty()) return Status::NotFound("no stored file " + std::string(sha256));
    return FileFromRow(rs.rows[0], true);
  });
}

Result<Asset> SqlPublishStore::CreateFileAsset(Asset asset, MediaFile file) {
  if (!asset.url.empty()) return Status::InvalidArgument("an asset of a stored file has no URL");
  return store_.TxValue<Asset>(true, [&](sql::Connection& conn) -> Result<Asset> {
    LP_ASSIGN_OR_RETURN(MediaFile stored, PutFile(conn, file));
    Asset a = asset;
    a.sha256 = stored.sha256;
    return InsertAsset(conn, std::move(a));
  });
}

Result<Asset> SqlPublishStore::UpdateAsset(const Asset& asset) {
  if (asset.name.empty()) return Status::InvalidArgument("an asset needs a name");
  return store_.TxValue<Asset>(true, [&](sql::Connection& conn) -> Result<Asset> {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("UPDATE assets SET name = $1, alt_text = $2, licence = $3, consent = $4 "
                   "WHERE id = $5",
                   {Text(asset.name), Text(asset.alt_text), Text(asset.licence),
                    Text(asset.consent), Int(asset.id)}));
    if (rs.affected == 0) return Status::NotFound("no asset with id " + Id(asset.id));
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet got,
        conn.Query(std::string(kAssetSelect) + " WHERE a.id = $1", {Int(asset.id)}));
    return AssetFromRow(got.rows.at(0));
  });
}

Status SqlPublishStore::DeleteAsset(int64_t id) {
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(sql::ResultSet a,
                        conn.Query("SELECT sha256 FROM assets WHERE id = $1", {Int(id)}));
    if (a.rows.empty()) return Status::NotFound("no asset with id " + Id(id));
    const std::string sha256 = a.rows[0].Text(0);
    LP_ASSIGN_OR_RETURN(sql::ResultSet used,
                        conn.Query("SELECT v.post_id FROM post_variant_assets l JOIN "
                                   "post_variants v ON v.id = l.variant_id WHERE l.asset_id = $1 "
                                   "ORDER BY v.post_id LIMIT 1",
                                   {Int(id)}));
    if (!used.rows.empty()) {
      return Status::FailedPrecondition("asset " + Id(id) + " is used by post " +
                                        Id(used.rows[0].Int(0)));
    }
    LP_RETURN_IF_ERROR(conn.Query("DELETE FROM assets WHERE id = $1", {Int(id)}).status());
    if (!sha256.empty()) {
      LP_RETURN_IF_ERROR(conn.Query("DELETE FROM media_files WHERE sha256 = $1 AND NOT EXISTS "
                                    "(SELECT 1 FROM assets WHERE sha256 = $1)",
                                    {Text(sha256)})
                             .status());
    }
    return Status::Ok();
  });
}

// --- send queue ----------------------------------------------------------------------

Result<std::vector<PostVariant>> SqlPublishStore::ClaimDueVariants(std::string_view claimer,
                                                                   Millis now, Millis lease_ms,
                                                                   int32_t limit) {
  if (claimer.empty()) return Status::InvalidArgument("claimer must not be empty");
  if (lease_ms <= 0) return Status::InvalidArgument("lease must be positive");
  if (limit <= 0) return std::vector<PostVariant>{};
  return store_.TxValue<std::vector<PostVariant>>(
      true, [&](sql::Connection& conn) -> Result<std::vector<PostVariant>> {
        const std::string due =
            std::string(
                "SELECT v.id FROM post_variants v JOIN posts p ON p.id = v.post_id WHERE "
                "((v.state = 0 AND v.next_attempt_at <= $1 AND p.state IN (4, 5) AND "
                "p.scheduled_at <> 0 AND p.scheduled_at <= $1 AND (p.cooldown_until = 0 OR "
                "(p.cooldown_confirmed = 1 AND p.cooldown_until <= $1))) OR (v.state = 1 AND "
                "v.claimed_until <= $1)) ORDER BY p.scheduled_at, v.id LIMIT $4") +
            (dialect_ == sql::Dialect::kPostgres ? " FOR UPDATE OF v SKIP LOCKED" : "");
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet rs,
            conn.Query("UPDATE post_variants SET state = 1, attempts = attempts + 1, claimed_by = "
                       "$2, claimed_until = $3, updated_at = $1 WHERE id IN (" +
                           due + ") RETURNING id",
                       {Int(now), Text(claimer), Int(now + lease_ms), Int(limit)}));
        std::vector<PostVariant> out;
        for (const Row& r : rs.rows) {
          LP_ASSIGN_OR_RETURN(sql::ResultSet v, conn.Query(std::string("SELECT ") + kVariantCols +
                                                               kVariantFrom + " WHERE v.id = $1",
                                                           {Int(r.Int(0))}));
          if (v.rows.empty()) continue;
          out.push_back(VariantFromRow(v.rows[0]));
          LP_RETURN_IF_ERROR(conn.Query("UPDATE posts SET state = 5, updated_at = $2 WHERE id = "
                                        "$1 AND state = 4",
                                        {Int(out.back().post_id), Int(now)})
                                 .status());
        }
        std::sort(out.begin(), out.end(),
                  [](const PostVariant& a, const PostVariant& b) { return a.id < b.id; });
        return out;
      });
}

Status SqlPublishStore::SettlePost(sql::Connection& conn, int64_t post_id, Millis at) const {
  LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                      conn.Query("SELECT state, COUNT(*) FROM post_variants WHERE post_id = $1 "
                                 "GROUP BY state",
                                 {Int(post_id)}));
  int64_t open = 0, failed = 0;
  for (const Row& r : rs.rows) {
    const auto s = static_cast<VariantState>(r.Int(0));
    if (s == VariantState::kPending || s == VariantState::kSending) open += r.Int(1);
    if (s == VariantState::kFailed) failed += r.Int(1);
  }
  if (open > 0) return Status::Ok();
  return conn
      .Query(
          "UPDATE posts SET state = $2, sent_at = CASE WHEN $2 = 6 THEN $3 ELSE sent_at END, "
          "updated_at = $3, version = version + 1 WHERE id = $1 AND state IN (4, 5)",
          {Int(post_id), Int(static_cast<int>(failed > 0 ? PostState::kFailed : PostState::kSent)),
           Int(at)})
      .status();
}

Status SqlPublishStore::AppendArchive(sql::Connection& conn, const PostVariant& v, const Post& p,
                                      Millis at, const ArchiveSealer& seal) const {
  ArchiveEntry e;
  e.at = at;
  e.kind = "post";
  e.channel_id = v.channel_id;
  e.channel = v.channel_name + " (" + v.channel_kind + ")";
  e.conversation_id = 0;
  e.message_id = v.id;  // the variant
  e.external_id = v.external_id;
  e.author = "user:" + p.author_name;
  e.subject = p.title;
  e.wire_text = v.wire_text;
  e.verdict = v.verdict.empty() ? "{}" : v.verdict;
  // The media sent with it (name, type, size, digest, alt text) go into the
  // sealed record too, as the verdict object's "media" member.
  if (!v.media.empty() && v.media != "[]" && e.verdict.size() >= 2 && e.verdict.back() == '}') {
    e.verdict.pop_back();
    e.verdict += (e.verdict.size() > 1 ? ",\"media\":" : "\"media\":") + v.media + "}";
  }
  LP_ASSIGN_OR_RETURN(
      sql::ResultSet chain,
      conn.Query("SELECT d.step, u.username, d.decision, d.comment, d.at FROM approval_decisions "
                 "d JOIN users u ON u.id = d.user_id WHERE d.approval_id = $1 ORDER BY d.step",
                 {Int(p.approval_id)}));
  e.approvals = sql_util::ApprovalChainJson(chain);
  return sql_util::AppendSealedArchive(conn, e, seal);
}

Status SqlPublishStore::CompleteVariant(int64_t variant_id, std::string_view external_id, Millis at,
                                        const ArchiveSealer& seal) {
  if (at == 0) at = NowMillis();
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    if (seal) LP_RETURN_IF_ERROR(store_.LockForWrite(conn, kArchiveLock));
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("UPDATE post_variants SET state = 2, external_id = $2, sent_at = $3, "
                   "claimed_by = '', claimed_until = 0, last_error = '', updated_at = $3 WHERE "
                   "id = $1 AND state <> 2 RETURNING post_id",
                   {Int(variant_id), Text(external_id), Int(at)}));
    if (rs.rows.empty()) {
      LP_ASSIGN_OR_RETURN(
          sql::ResultSet exists,
          conn.Query("SELECT state FROM post_variants WHERE id = $1", {Int(variant_id)}));
      if (exists.rows.empty()) return Status::NotFound("no post variant with id " + Id(variant_id));
      return Status::Ok();  // sent before: nothing more to record
    }
    const int64_t post_id = rs.rows[0].Int(0);
    if (seal) {
      LP_ASSIGN_OR_RETURN(Post p, SelectPost(conn, post_id, false));
      for (const PostVariant& v : p.variants) {
        if (v.id == variant_id) LP_RETURN_IF_ERROR(AppendArchive(conn, v, p, at, seal));
      }
    }
    return SettlePost(conn, post_id, at);
  });
}

Status SqlPublishStore::FailVariant(int64_t variant_id, std::string_view error, Millis retry_at,
                                    Millis at) {
  if (at == 0) at = NowMillis();
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        retry_at != 0
            ? conn.Query("UPDATE post_variants SET state = 0, next_attempt_at = $3, last_error = "
                         "$2, claimed_by = '', claimed_until = 0, updated_at = $4 WHERE id = $1 "
                         "AND state <> 2 RETURNING post_id",
                         {Int(variant_id), Text(error), Int(retry_at), Int(at)})
            : conn.Query("UPDATE post_variants SET state = 3, last_error = $2, claimed_by = '', "
                         "claimed_until = 0, updated_at = $3 WHERE id = $1 AND state <> 2 "
                         "RETURNING post_id",
                         {Int(variant_id), Text(error), Int(at)}));
    if (rs.rows.empty()) {
      LP_ASSIGN_OR_RETURN(
          sql::ResultSet exists,
          conn.Query("SELECT state FROM post_variants WHERE id = $1", {Int(variant_id)}));
      if (exists.rows.empty()) return Status::NotFound("no post variant with id " + Id(variant_id));
      return Status::Ok();  // sent meanwhile: a late failure changes nothing
    }
    const int64_t post_id = rs.rows[0].Int(0);
    if (retry_at == 0) {
      LP_RETURN_IF_ERROR(
          conn.Query("UPDATE posts SET reason = $2 WHERE id = $1", {Int(post_id), Text(error)})
              .status());
    }
    return SettlePost(conn, post_id, at);
  });
}

Result<Post> SqlPublishStore::HoldPost(int64_t post_id, std::string_view reason, Millis at) {
  if (at == 0) at = NowMillis();
  return store_.TxValue<Post>(true, [&](sql::Connection& conn) -> Result<Post> {
    LP_ASSIGN_OR_RETURN(Post p, SelectPost(conn, post_id, true));
    if (p.state != PostState::kScheduled && p.state != PostState::kSending) {
      return Status::FailedPrecondition("post " + Id(post_id) +
                                        " is neither scheduled nor sending");
    }
    LP_RETURN_IF_ERROR(conn.Query("UPDATE posts SET state = 3, reason = $2, updated_at = $3, "
                                  "version = version + 1 WHERE id = $1",
                                  {Int(post_id), Text(reason), Int(at)})
                           .status());
    LP_RETURN_IF_ERROR(conn.Query("UPDATE post_variants SET state = 0, claimed_by = '', "
                                  "claimed_until = 0, updated_at = $2 WHERE post_id = $1 AND "
                                  "state = 1",
                                  {Int(post_id), Int(at)})
                           .status());
    return SelectPost(conn, post_id, false);
  });
}

// --- advocacy ------------------------------------------------------------------------

Result<PostShare> SqlPublishStore::AddShare(PostShare s) {
  if (s.created_at == 0) s.created_at = NowMillis();
  return store_.TxValue<PostShare>(true, [&](sql::Connection& conn) -> Result<PostShare> {
    LP_ASSIGN_OR_RETURN(sql::ResultSet p,
                        conn.Query("SELECT id FROM posts WHERE id = $1", {Int(s.post_id)}));
    if (p.rows.empty()) return Status::NotFound("no post with id " + Id(s.post_id));
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("INSERT INTO post_shares (post_id, user_id, network, text, verdict, "
                   "created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                   {Int(s.post_id), Int(s.user_id), Text(s.network), Text(s.text), Text(s.verdict),
                    Int(s.created_at)}));
    s.id = rs.rows.at(0).Int(0);
    LP_ASSIGN_OR_RETURN(sql::ResultSet u,
                        conn.Query("SELECT username FROM users WHERE id = $1", {Int(s.user_id)}));
    if (!u.rows.empty()) s.username = u.rows[0].Text(0);
    return s;
  });
}

Result<std::vector<PostShare>> SqlPublishStore::ListShares(int64_t post_id, int64_t user_id,
                                                           int32_t limit) {
  limit = std::clamp(limit, 0, kMaxList);
  return store_.TxValue<std::vector<PostShare>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<PostShare>> {
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet rs,
            conn.Query("SELECT s.id, s.post_id, s.user_id, u.username, s.network, s.text, "
                       "s.verdict, s.created_at, COALESCE(p.title, '') FROM post_shares s JOIN "
                       "users u ON u.id = s.user_id LEFT JOIN posts p ON p.id = s.post_id WHERE "
                       "($1 = 0 OR s.post_id = $1) AND ($2 = 0 OR s.user_id = $2) ORDER BY s.id "
                       "DESC LIMIT $3",
                       {Int(post_id), Int(user_id), Int(limit)}));
        std::vector<PostShare> out;
        for (const Row& r : rs.rows) {
          out.push_back({r.Int(0), r.Int(1), r.Int(2), r.Text(3), r.Text(4), r.Text(5), r.Text(6),
                         r.Int(7), r.Text(8)});
        }
        return out;
      });
}

// --- notifications -----------------------------------------------------------------------

Status SqlPublishStore::AddNotifications(const std::vector<Notification>& list) {
  if (list.empty()) return Status::Ok();
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    for (const Notification& n : list) {
      LP_RETURN_IF_ERROR(conn.Query("INSERT INTO notifications (user_id, kind, subject, detail, "
                                    "created_at, read_at) VALUES ($1, $2, $3, $4, $5, 0)",
                                    {Int(n.user_id), Text(n.kind), Text(n.subject), Text(n.detail),
                                     Int(n.created_at != 0 ? n.created_at : NowMillis())})
                             .status());
    }
    return Status::Ok();
  });
}

Result<std::vector<Notification>> SqlPublishStore::ListNotifications(int64_t user_id,
                                                                     bool unread_only,
                                                                     int32_t limit) {
  limit = std::clamp(limit, 0, kMaxList);
  return store_.TxValue<std::vector<Notification>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<Notification>> {
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet rs,
            conn.Query(std::string("SELECT id, user_id, kind, subject, detail, created_at, "
                                   "read_at FROM notifications WHERE user_id = $1") +
                           (unread_only ? " AND read_at = 0" : "") + " ORDER BY id DESC LIMIT $2",
                       {Int(user_id), Int(limit)}));
        std::vector<Notification> out;
        for (const Row& r : rs.rows) {
          out.push_back({r.Int(0), r.Int(1), r.Text(2), r.Text(3), r.Text(4), r.Int(5), r.Int(6)});
        }
        return out;
      });
}

Status SqlPublishStore::MarkNotificationRead(int64_t id, int64_t user_id, Millis at) {
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query("UPDATE notifications SET read_at = $3 WHERE id = $1 AND "
                                   "user_id = $2 AND read_at = 0 RETURNING id",
                                   {Int(id), Int(user_id), Int(at)}));
    if (!rs.rows.empty()) return Status::Ok();
    LP_ASSIGN_OR_RETURN(sql::ResultSet mine,
                        conn.Query("SELECT id FROM notifications WHERE id = $1 AND user_id = $2",
                                   {Int(id), Int(user_id)}));
    if (mine.rows.empty()) return Status::NotFound("no notification " + Id(id) + " of this user");
    return Status::Ok();
  });
}

// --- retention ----------------------------------------------------------------------------

Result<int64_t> SqlPublishStore::PurgePosts(Millis before) {
  return store_.TxValue<int64_t>(true, [&](sql::Connection& conn) -> Result<int64_t> {
    // Approvals reference posts with ON DELETE CASCADE; decisions follow them.
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("DELETE FROM posts WHERE state IN (6, 7, 8) AND updated_at < $1 RETURNING id",
                   {Int(before)}));
    return static_cast<int64_t>(rs.rows.size());
  });
}

Result<int64_t> SqlPublishStore::PurgeNotifications(Millis before) {
  return store_.TxValue<int64_t>(true, [&](sql::Connection& conn) -> Result<int64_t> {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("DELETE FROM notifications WHERE created_at < $1 RETURNING id", {Int(before)}));
    return static_cast<int64_t>(rs.rows.size());
  });
}

}  // namespace leitplanke::store
