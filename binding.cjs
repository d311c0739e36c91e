// Loads the compiled addon the standard way (node-gyp-build): build/Release in a
// source checkout, prebuilds/<platform>-<arch>/ when a package ships them. Reached
// through package.json's "imports" (#binding), so src/ and dist/src/ load it alike.
'use strict';
module.exports = require('node-gyp-build')(__dirname);
