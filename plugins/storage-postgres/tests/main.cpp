// The test binary's main: registers the PostgreSQL cluster for runs outside ctest.
#include "pg_test_support.hpp"

#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new mt5b::storage_postgres::testing::ClusterEnvironment());
  return RUN_ALL_TESTS();
}
