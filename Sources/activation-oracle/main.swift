import OracleCLI
CLI.main()
