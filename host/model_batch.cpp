// Batches of compiled models sharing one structure (see model_batch.hpp).
#include "hfx/model_batch.hpp"

#include <cstring>
#include <functional>
#include <string_view>
#include <unordered_map>

namespace hfx {

namespace {

bool same_blocks(const std::vector<sample_block>& a, const std::vector<sample_block>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const sample_block &x = a[i], &y = b[i];
    if (x.bin0 != y.bin0 || x.nbins != y.nbins || x.histo_begin != y.histo_begin || x.histo_end != y.histo_end ||
        x.normsys_begin != y.normsys_begin || x.normsys_end != y.normsys_end || x.scalar_begin != y.scalar_begin ||
        x.scalar_end != y.scalar_end || x.binwise_begin != y.binwise_begin || x.binwise_end != y.binwise_end)
      return false;
  }
  return true;
}

bool same_params(const std::vector<param_set>& a, const std::vector<param_set>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].kind != b[i].kind || a[i].offset != b[i].offset || a[i].n != b[i].n ||
        a[i].is_scalar != b[i].is_scalar || a[i].constraint != b[i].constraint)
      return false;
  return true;
}

// FNV-1a over the structure, so that a new model is compared in full only with batches
// whose hash matches.
struct hasher {
  std::uint64_t h = 1469598103934665603ull;
  void bytes(const void* p, std::size_t n) {
    const auto* c = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) { h ^= c[i]; h *= 1099511628211ull; }
  }
  template <class T> void vec(const std::vector<T>& v) {
    std::size_t n = v.size();
    bytes(&n, sizeof n);
    if (n) bytes(v.data(), n * sizeof(T));
  }
  void str(const std::string& s) { std::size_t n = s.size(); bytes(&n, sizeof n); bytes(s.data(), n); }
};

std::uint64_t structure_hash(const compiled_model& m) {
  hasher h;
  std::int32_t ints[5] = {m.n_bins, m.n_pars, m.poi, std::int32_t(m.normsys_code), std::int32_t(m.histosys_code)};
  h.bytes(ints, sizeof ints);
  for (const sample_block& b : m.blocks) {
    std::int32_t f[10] = {b.bin0, b.nbins, b.histo_begin, b.histo_end, b.normsys_begin,
                          b.normsys_end, b.scalar_begin, b.scalar_end, b.binwise_begin, b.binwise_end};
    h.bytes(f, sizeof f);
  }
  h.vec(m.histo_comp); h.vec(m.normsys_comp); h.vec(m.scalar_comp); h.vec(m.binwise_comp0);
  h.vec(m.aux_comp); h.vec(m.aux_kind); h.vec(m.comp_kind);
  for (const auto& p : m.params) h.str(p.name);
  return h.h;
}

template <class T> void append(std::vector<T>& dst, const std::vector<T>& src) {
  dst.insert(dst.end(), src.begin(), src.end());
}

}  // namespace

bool same_structure(const compiled_model& a, const compiled_model& b) {
  return a.n_bins == b.n_bins && a.n_pars == b.n_pars && a.poi == b.poi && a.normsys_code == b.normsys_code &&
         a.histosys_code == b.histosys_code && same_blocks(a.blocks, b.blocks) && a.histo_comp == b.histo_comp &&
         a.normsys_comp == b.normsys_comp && a.scalar_comp == b.scalar_comp && a.binwise_comp0 == b.binwise_comp0 &&
         a.aux_comp == b.aux_comp && a.aux_kind == b.aux_kind && a.comp_kind == b.comp_kind &&
         a.poi_name == b.poi_name && a.measurement == b.measurement && a.channel_names == b.channel_names &&
         a.channel_nbins == b.channel_nbins && a.channel_bin0 == b.channel_bin0 &&
         a.block_channel == b.block_channel && same_params(a.params, b.params);
}

batch_view model_batch::view() const {
  batch_view v;
  v.s = prototype.structure();
  v.n_hyp = n_hyp;
  v.values = values.data();
  v.block_value_offset = block_value_offset.data();
  v.aux_scale = aux_scale.data();
  v.obs = obs.data();
  v.aux_obs = aux_obs.data();
  v.init = init.data();
  v.lo = lo.data();
  v.hi = hi.data();
  v.fixed = fixed.data();
  return v;
}

struct batch_builder::impl {
  struct open_batch {
    model_batch b;
    std::uint64_t hash = 0;
    // per block: content hash of each stored segment -> its offsets in b.values
    std::vector<std::unordered_multimap<std::uint64_t, std::int64_t>> segments;
  };
  std::int32_t max_hyp = 0;
  std::vector<open_batch> open;          // in order of creation
  std::vector<model_batch> full;

  open_batch& find_or_open(const compiled_model& m) {
    const std::uint64_t h = structure_hash(m);
    for (open_batch& ob : open)
      if (ob.hash == h && same_structure(ob.b.prototype, m)) return ob;
    open_batch ob;
    ob.hash = h;
    compiled_model& p = ob.b.prototype;
    p = m;
    p.values.clear(); p.values.shrink_to_fit();
    p.block_value_offset.clear(); p.block_value_offset.shrink_to_fit();
    p.aux_scale.clear(); p.obs.clear(); p.aux_obs.clear();
    p.init.clear(); p.lo.clear(); p.hi.clear(); p.fixed.clear();
    ob.segments.resize(m.blocks.size());
    open.push_back(std::move(ob));
    return open.back();
  }

  void add(const compiled_model& m, std::size_t src) {
    open_batch& ob = find_or_open(m);
    model_batch& b = ob.b;
    for (std::size_t k = 0; k < m.blocks.size(); ++k) {
      const std::int64_t size = block_value_size(m.blocks[k]);
      const double* seg = m.values.data() + m.block_value_offset[k];
      const std::size_t nbytes = std::size_t(size) * sizeof(double);
      const std::uint64_t h = std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(seg), nbytes));
      std::int64_t off = -1;
      auto [lo_it, hi_it] = ob.segments[k].equal_range(h);
      for (auto it = lo_it; it != hi_it; ++it)
        if (std::memcmp(b.values.data() + it->second, seg, nbytes) == 0) { off = it->second; break; }
      if (off < 0) {
        off = std::int64_t(b.values.size());
        b.values.insert(b.values.end(), seg, seg + size);
        ob.segments[k].emplace(h, off);
      }
      b.block_value_offset.push_back(off);
      b.unshared_values += size;
    }
    append(b.aux_scale, m.aux_scale);
    append(b.obs, m.obs);
    append(b.aux_obs, m.aux_obs);
    append(b.init, m.init);
    append(b.lo, m.lo);
    append(b.hi, m.hi);
    append(b.fixed, m.fixed);
    b.source_index.push_back(src);
    ++b.n_hyp;
    if (max_hyp > 0 && b.n_hyp >= max_hyp) {
      std::size_t i = std::size_t(&ob - open.data());
      full.push_back(std::move(ob.b));
      open.erase(open.begin() + std::ptrdiff_t(i));
    }
  }
};

batch_builder::batch_builder(std::int32_t max_hyp) : p_(std::make_unique<impl>()) { p_->max_hyp = max_hyp; }
batch_builder::~batch_builder() = default;
batch_builder::batch_builder(batch_builder&&) noexcept = default;
batch_builder& batch_builder::operator=(batch_builder&&) noexcept = default;

void batch_builder::add(const compiled_model& m, std::size_t source_index) { p_->add(m, source_index); }

std::vector<model_batch> batch_builder::take_full() {
  std::vector<model_batch> out = std::move(p_->full);
  p_->full.clear();
  return out;
}

std::vector<model_batch> batch_builder::finish() {
  std::vector<model_batch> out = take_full();
  for (auto& ob : p_->open) out.push_back(std::move(ob.b));
  p_->open.clear();
  return out;
}

std::vector<model_batch> make_batches(std::vector<compiled_model>&& models, std::int32_t max_hyp) {
  batch_builder bb(max_hyp);
  for (std::size_t i = 0; i < models.size(); ++i) {
    bb.add(models[i], i);
    std::vector<double>().swap(models[i].values);  // release the packed copy early
  }
  models.clear();
  return bb.finish();
}

}  // namespace hfx
