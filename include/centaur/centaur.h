// The C++ API of centaur: everything a program embedding it may include.
//
//   auto ws = centaur::Workspace::Open({});                 // store + centaur.yaml
//   auto task = centaur::LoadTask("task.yaml");             // checked, versioned
//   auto model = centaur::ParseModelRef(task->model);
//   auto provider = (*ws)->OpenProvider(*model, {});
//   centaur::Runner runner((*ws)->store(), provider->provider.get(),
//                          &(*ws)->prices(), centaur::RealClock());
//   auto dataset = (*ws)->store()->FindDataset("tickets");
//   auto summary = runner.Run(*task, *model, *dataset, {});
//
// Every fallible call returns centaur::Result<T> / centaur::Status; nothing
// throws across this API.
#pragma once

#include "core/result.h"    // IWYU pragma: export
#include "engine/call.h"    // IWYU pragma: export
#include "engine/import.h"  // IWYU pragma: export
#include "engine/runner.h"  // IWYU pragma: export
#include "engine/workspace.h"  // IWYU pragma: export
#include "prompt/task.h"    // IWYU pragma: export
