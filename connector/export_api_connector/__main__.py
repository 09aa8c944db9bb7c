from export_api_connector.cli import main

raise SystemExit(main())
