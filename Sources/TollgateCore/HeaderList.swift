import TollgateHeaders

/// Header fields as name/value pairs in wire order, duplicates kept.
public typealias HeaderList = HeaderFieldList
