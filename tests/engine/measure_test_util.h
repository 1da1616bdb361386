// A temporary SQLite store seeded with datasets, task versions, runs and
// results written directly, for the measure/compare/history tests.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "prompt/task.h"
#include "store/store.h"

namespace centaur::measure_test {

// A classification task; `user` changes the version.
inline std::string TaskYaml(const std::string& user = "Message: {{text}}",
                            const std::string& labels = "refund, card, other") {
  return "name: intent\nmodel: openai:m1\ninputs: {text: {type: string}}\nprompt:\n  user: \"" +
         user +
         "\"\noutput:\n  type: object\n  properties:\n    thoughts: {type: string}\n    label: "
         "{type: string, enum: [" +
         labels + "]}\n  required: [thoughts, label]\ntarget: label\n";
}

// An extraction task whose target is an object.
inline std::string ExtractYaml() {
  return "name: extract\nmodel: openai:m1\ninputs: {text: {type: string}}\nprompt:\n  user: "
         "\"{{text}}\"\noutput:\n  type: object\n  properties:\n    thoughts: {type: string}\n"
         "    person:\n      type: object\n      properties:\n        name: {type: string}\n"
         "        year: {type: integer}\n  required: [thoughts, person]\ntarget: person\n";
}

// One result to write: the item, and its target value (nullopt: failed).
struct Out {
  std::string item;
  std::optional<Json> value;
  std::string thoughts = "because";
};

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "centaur_measure_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = OpenSqliteStore(dir_ + "/c.db");
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Items i0, i1, ... with these golds ("" = unlabeled) on `split`, or on
  // the splits given one per item.
  DatasetInfo Dataset(const std::string& name, const std::vector<std::string>& golds,
                      const std::vector<std::string>& splits = {}) {
    std::vector<Item> items;
    for (size_t i = 0; i < golds.size(); ++i) {
      Item item;
      item.id = fmt::format("i{}", i);
      item.input = {{"text", fmt::format("message {}", i)}};
      if (!golds[i].empty()) {
        Json parsed = Json::parse(golds[i], nullptr, false);
        item.gold = golds[i][0] == '{' && !parsed.is_discarded() ? parsed : Json(golds[i]);
      }
      item.split = splits.empty() ? "val" : splits[i];
      items.push_back(item);
    }
    auto d = store_->CreateDataset(name, "mem", items);
    EXPECT_TRUE(d.ok()) << d.error().message;
    return *d;
  }

  // Stores the task's version; returns the task.
  Task Version(const std::string& yaml, const std::string& path = "task.yaml") {
    auto task = ParseTask(yaml, path);
    EXPECT_TRUE(task.ok()) << task.error().message;
    EXPECT_TRUE(store_
                    ->PutTaskVersion({task->name, task->version, task->source_path,
                                      task->source_text, TaskSpecJson(*task)})
                    .ok());
    return *task;
  }

  // A run of `task` with these results. Every result's recorded
  // correctness is `true`: measuring must ignore it.
  int64_t Run(const Task& task, const DatasetInfo& d, const std::string& split,
              const std::vector<Out>& outs, const std::string& model = "openai:m1",
              bool finish = true, std::optional<int64_t> limit = std::nullopt) {
    RunSpec spec;
    spec.task_name = task.name;
    spec.task_version = task.version;
    spec.model = model;
    spec.params = Json::object();
    spec.dataset_id = d.id;
    spec.split = split;
    spec.limit = limit;
    spec.identity = task.version + model + split + std::to_string(++runs_);
    auto run = store_->CreateRun(spec);
    EXPECT_TRUE(run.ok()) << run.error().message;
    for (const Out& o : outs) {
      ResultRecord r;
      r.run_id = run->id;
      r.item_id = o.item;
      r.status = o.value.has_value() ? "ok" : "failed";
      if (o.value.has_value()) {
        r.output = {{"thoughts", o.thoughts}, {task.target, *o.value}};
      } else {
        r.error = "no valid output";
      }
      r.correct = true;
      r.created_ms = 1700000000000;
      EXPECT_TRUE(store_->AddResult(r).ok());
    }
    EXPECT_TRUE(store_->Commit().ok());
    if (finish) {
      EXPECT_TRUE(store_->FinishRun(run->id).ok());
    }
    return run->id;
  }

  // Results for items i0.. with these labels ("!" = failed).
  static std::vector<Out> Labels(const std::vector<std::string>& labels) {
    std::vector<Out> outs;
    for (size_t i = 0; i < labels.size(); ++i) {
      Out o;
      o.item = fmt::format("i{}", i);
      if (labels[i] != "!") o.value = Json(labels[i]);
      outs.push_back(o);
    }
    return outs;
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  int runs_ = 0;
};

}  // namespace centaur::measure_test
