// `leitplanke train offensive`: trains the offensive-language classifier.
//
// Reproducible by construction: fixed seed, fixed data order (files in the
// order given, lines in file order), hyper-parameters recorded in the model's
// metadata. Default data are the two sets whose licences allow shipping a
// model (GermEval 2018, CC BY 4.0; Davidson et al., MIT); a company passes
// its own labelled JSONL with --data instead.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "leitplanke/guard/policy.h"

#include "cli/commands.h"
#include "eval/labelled_jsonl.h"
#include "guard/detectors/offensive/train.h"

namespace leitplanke::cli {

namespace {

namespace off = guard::detectors::offensive;

struct TrainArgs {
  std::vector<std::string> data;
  std::string eval_dir;
  std::string out = "offensive-model.bin";
  uint64_t seed = off::TrainOptions().seed;
  off::TrainOptions opt;
  bool no_bigrams = false;
  bool no_length_norm = false;
  bool no_neutral_identity = false;
  bool no_balance = false;
  std::vector<std::string> lexicon;
  bool no_lexicon_features = false;
  int hash_bits = static_cast<int>(off::DefaultFeatures().hash_bits);
  int char_min = off::DefaultFeatures().char_min;
  int char_max = off::DefaultFeatures().char_max;
  int char_min_word = off::DefaultFeatures().char_min_word;
};

std::string BaseName(const std::string& p) {
  size_t s = p.find_last_of('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

int RunTrainOffensive(TrainArgs& a) {
  if (a.data.empty()) {
    std::string dir = a.eval_dir;
    if (dir.empty()) {
      const char* env = std::getenv("LP_EVAL_DIR");
      dir = env != nullptr ? env : "../shared/eval";
    }
    a.data = {dir + "/germeval2018/germeval2018.train.jsonl",
              dir + "/davidson_hate_offensive/davidson.dev.jsonl"};
  }
  if (a.hash_bits < 10 || a.hash_bits > 24 || a.char_min < 1 || a.char_max > 8 ||
      (a.char_max != 0 && a.char_min > a.char_max)) {
    std::cerr << "train offensive: need 10 <= --hash-bits <= 24 and 1 <= --char-min <= "
                 "--char-max <= 8 (or --char-max 0)\n";
    return kExitUsage;
  }
  off::TrainOptions& o = a.opt;
  o.seed = a.seed;
  o.features.hash_bits = static_cast<uint32_t>(a.hash_bits);
  o.features.char_min = static_cast<uint8_t>(a.char_min);
  o.features.char_max = static_cast<uint8_t>(a.char_max);
  o.features.char_min_word = static_cast<uint8_t>(a.char_min_word);
  o.features.word_bigrams = !a.no_bigrams;
  o.features.length_norm = !a.no_length_norm;
  o.features.neutral_identity = !a.no_neutral_identity;
  o.balance_classes = !a.no_balance;
  // Lexicon-hit features: our own lists, by default those of the embedded
  // default pack (the files the detector's lexicon half reads).
  std::vector<std::string> lexicon_names;
  if (!a.no_lexicon_features) {
    std::vector<off::LexTerm> terms;
    auto add = [&](const std::string& name, Result<std::string> content) -> bool {
      if (!content.ok()) {
        std::cerr << "train offensive: lexicon '" << name << "': " << content.status().message()
                  << "\n";
        return false;
      }
      Result<std::vector<off::LexTerm>> t = off::ParseLexiconTerms(*content, name);
      if (!t.ok()) {
        std::cerr << "train offensive: " << t.status().message() << "\n";
        return false;
      }
      terms.insert(terms.end(), t->begin(), t->end());
      lexicon_names.push_back(BaseName(name) + " (" + std::to_string(t->size()) + " terms)");
      return true;
    };
    if (a.lexicon.empty()) {
      Result<guard::PolicySpec> pack = guard::LoadEmbeddedPolicy("default");
      if (!pack.ok()) {
        std::cerr << "train offensive: " << pack.status().message() << "\n";
        return kExitSoftware;
      }
      for (const char* f : {"lexicon/offensive_de.tsv", "lexicon/offensive_en.tsv"}) {
        if (!add(f, pack->file_reader(f))) return kExitDataErr;
      }
    } else {
      for (const std::string& f : a.lexicon) {
        std::ifstream in(f, std::ios::binary);
        if (!in) {
          std::cerr << "train offensive: cannot read lexicon '" << f << "'\n";
          return kExitNoInput;
        }
        std::stringstream buf;
        buf << in.rdbuf();
        if (!add(f, buf.str())) return kExitDataErr;
      }
    }
    o.features.lexicon = std::make_shared<const off::LexiconFeatures>(std::move(terms));
  }

  std::vector<off::Example> examples;
  std::ostringstream meta;
  meta << "Leitplanke offensive-language model (logistic regression, hashed n-grams)\n"
       << "data:";
  for (const std::string& f : a.data) {
    Result<std::vector<off::Example>> ex = eval::LoadLabelledJsonl(f);
    if (!ex.ok()) {
      std::cerr << "train offensive: " << ex.status().message() << "\n";
      return ex.status().code() == StatusCode::kNotFound ? kExitNoInput : kExitDataErr;
    }
    size_t pos = 0;
    for (const off::Example& e : *ex) pos += static_cast<size_t>(e.label);
    meta << " " << BaseName(f) << " (" << ex->size() << " texts, " << pos << " offensive)";
    std::cerr << "read " << ex->size() << " texts from " << f << "\n";
    for (off::Example& e : *ex) examples.push_back(std::move(e));
  }
  meta << "\nseed " << o.seed << ", epochs " << o.epochs << ", learning_rate " << o.learning_rate
       << ", l2 " << o.l2 << ", hash_bits " << o.features.hash_bits << ", char n-grams "
       << int(o.features.char_min) << "-" << int(o.features.char_max) << " of words of "
       << int(o.features.char_min_word) << "+ bytes, word_bigrams " << o.features.word_bigrams
       << ", length_norm " << o.features.length_norm << ", neutral_identity "
       << o.features.neutral_identity << ", nb_alpha " << o.nb_alpha << ", nb_mix " << o.nb_mix
       << ", lexicon features";
  if (lexicon_names.empty()) meta << " off";
  for (const std::string& n : lexicon_names) meta << " " << n;
  meta << ", balance_classes " << o.balance_classes << ", folds " << o.folds << ", warn_recall "
       << o.warn_recall << ", block_precision " << o.block_precision;
  off::TrainReport report;
  Result<off::Model> model = off::Train(examples, o, meta.str(), &report);
  if (!model.ok()) {
    std::cerr << "train offensive: " << model.status().message() << "\n";
    return kExitDataErr;
  }
  std::string bytes = model->Serialize();
  std::ofstream out(a.out, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::cerr << "train offensive: cannot write '" << a.out << "'\n";
    return kExitSoftware;
  }
  std::cout << "Cross-validated (" << o.folds << "-fold, out-of-fold scores) at the hold "
            << "threshold:\n\n"
            << report.Markdown() << "\nwrote " << a.out << " (" << bytes.size() << " bytes)\n";
  return 0;
}

}  // namespace

void AddTrainCommand(CLI::App& app, int& exit_code) {
  CLI::App* train = app.add_subcommand("train", "Train a model from labelled data");
  train->require_subcommand(1);
  auto args = std::make_shared<TrainArgs>();
  CLI::App* off_cmd = train->add_subcommand(
      "offensive",
      "Train the offensive-language classifier (logistic regression over hashed word and "
      "character n-grams); prints cross-validated figures and writes the model file");
  off_cmd->add_option("--data", args->data,
                      "Labelled JSONL (repeatable): \"text\" plus \"label\" (0/1, true/false, "
                      "OFFENSE/OTHER, ...), \"label_coarse\" or \"class_name\"; optional "
                      "\"lang\" (de|en). Default: GermEval 2018 + Davidson et al. in --eval-dir");
  off_cmd->add_option("--eval-dir", args->eval_dir,
                      "Directory of the public data sets (default $LP_EVAL_DIR or ../shared/eval)");
  off_cmd->add_option("--out", args->out, "Model file to write")->capture_default_str();
  off_cmd->add_option("--seed", args->seed, "Random seed (shuffling, folds)")
      ->capture_default_str();
  off_cmd->add_option("--epochs", args->opt.epochs, "Passes over the data")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  off_cmd->add_option("--learning-rate", args->opt.learning_rate, "AdaGrad base learning rate")
      ->capture_default_str()
      ->check(CLI::Range(1e-5, 10.0));
  off_cmd->add_option("--l2", args->opt.l2, "L2 weight decay")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  off_cmd->add_option("--hash-bits", args->hash_bits, "log2 of the number of weights")
      ->capture_default_str();
  off_cmd->add_option("--char-min", args->char_min, "Shortest character n-gram")
      ->capture_default_str();
  off_cmd->add_option("--char-max", args->char_max, "Longest character n-gram (0: none)")
      ->capture_default_str();
  off_cmd
      ->add_option("--char-min-word", args->char_min_word,
                   "Character n-grams only of words of at least this many bytes (0: all)")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  off_cmd->add_flag("--no-bigrams", args->no_bigrams, "No word bigram features");
  off_cmd->add_flag("--no-length-norm", args->no_length_norm,
                    "Do not divide the logit by sqrt(#features)");
  off_cmd->add_flag("--no-neutral-identity", args->no_neutral_identity,
                    "Let identity terms (Muslim, schwul, ...) carry weight (not recommended)");
  off_cmd->add_flag("--no-balance", args->no_balance, "Do not weight classes to equal mass");
  off_cmd->add_option("--lexicon", args->lexicon,
                      "Lexicon TSV for the lexicon-hit features (repeatable; default: the "
                      "default pack's offensive_de.tsv and offensive_en.tsv)");
  off_cmd->add_flag("--no-lexicon-features", args->no_lexicon_features, "No lexicon-hit features");
  off_cmd->add_option("--nb-alpha", args->opt.nb_alpha, "NB log-count-ratio scaling (0: off)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  off_cmd->add_option("--nb-mix", args->opt.nb_mix, "Feature scale = mix * |NB ratio| + (1 - mix)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  off_cmd->add_option("--folds", args->opt.folds, "Cross-validation folds for calibration")
      ->capture_default_str()
      ->check(CLI::Range(2, 20));
  off_cmd
      ->add_option("--warn-recall", args->opt.warn_recall,
                   "Warn threshold: highest score <= hold reaching this recall (cross-validated)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  off_cmd
      ->add_option("--block-precision", args->opt.block_precision,
                   "Block threshold: lowest score with this precision (cross-validated)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  off_cmd->callback([args, &exit_code] { exit_code = RunTrainOffensive(*args); });
}

}  // namespace leitplanke::cli
